import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { FIELD_NAMES } from '../../src/spec/field-names.js';
import { parseSpecDocument, STDIN_ORIGIN } from '../../src/spec/parse-document.js';
import { type FlagInput, resolveField, resolveSpec, withNewerDefaults } from '../../src/spec/resolve-spec.js';
import { SCHEMA } from '../../src/spec/schema.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { seedSpec } from '../support/seed.js';
import { BASE, issuesOf, resolveText, yamlBlock } from './helpers.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.cleanup());

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Resolves BASE plus `extra` YAML lines and returns the one field. */
function field<K extends keyof ServiceSpec>(name: K, extra: string): ServiceSpec[K] {
  return resolveText(BASE + extra)[name];
}

/** The issues of BASE plus `extra` (BASE takes lines 1–3, so `extra` starts at line 4). */
function problems(extra: string) {
  return issuesOf(() => resolveText(BASE + extra));
}

/** Flag values, each from the flag named. */
function flags(fields: Record<string, [flag: string, value: string | boolean | string[]][]>): FlagInput {
  return {
    fields: Object.fromEntries(
      Object.entries(fields).map(([k, vs]) => [k, vs.map(([flag, value]) => ({ flag, value }))]),
    ),
  };
}

describe('the schema', () => {
  it('has exactly one entry per ServiceSpec field, in the seed order', () => {
    expect(FIELD_NAMES).toEqual(Object.keys(seedSpec));
    expect(Object.keys(SCHEMA)).toHaveLength(27);
  });
});

describe('resolveSpec: the seed example', () => {
  it('resolves the seed request to the seed response defaults (YAML)', () => {
    const spec = resolveText(fixture('seed.yaml'), undefined, 'seed.yaml');
    expect(spec).toEqual(seedSpec);
    expect(Object.keys(spec)).toEqual(Object.keys(seedSpec));
  });
  it('resolves the same from JSON', () => {
    expect(resolveText(fixture('seed.json'), undefined, 'seed.json')).toEqual(seedSpec);
  });
  it('resolves the same from flags alone', () => {
    const spec = resolveSpec({
      flags: flags({
        Name: [['--name', 'http']],
        Image: [['IMAGE', 'nginx']],
        ContainerPort: [['--container-port', '80']],
        Replicas: [['--replicas', '2']],
        Protocol: [['--protocol', 'http']],
        ServicePort: [['--service-port', '80']],
        Labels: [['--label', 'app=nginx']],
      }),
    });
    expect(spec).toEqual(seedSpec);
  });
});

describe('resolveSpec: file keys', () => {
  it('matches keys case-insensitively', () => {
    const spec = resolveText('name: web\nIMAGE: nginx\nserviceport: 80\nrEpLiCaS: 3\n');
    expect(spec).toMatchObject({ Name: 'web', Image: 'nginx', ServicePort: 80, Replicas: 3 });
  });
  it('reports unknown keys at the key, suggesting the field meant', () => {
    expect(problems('Replica: 2\nservice_prot: 1\nenvironment: {}\nsize: s1\nBogus: 1\n')).toEqual([
      { path: 'Replica', message: 'unknown field; did you mean Replicas?', location: 'spec.yaml:4:1' },
      {
        path: 'service_prot',
        message: 'unknown field; did you mean ServicePort?',
        location: 'spec.yaml:5:1',
      },
      { path: 'environment', message: 'unknown field; did you mean Env?', location: 'spec.yaml:6:1' },
      { path: 'size', message: 'unknown field; did you mean ContainerSize?', location: 'spec.yaml:7:1' },
      { path: 'Bogus', message: 'unknown field', location: 'spec.yaml:8:1' },
    ]);
  });
  it('gives positions from stdin as <stdin>:line:col', () => {
    const issues = issuesOf(() => resolveText(`${BASE}Replicas: two\n`, undefined, STDIN_ORIGIN));
    expect(issues).toEqual([
      { path: 'Replicas', message: 'expected integer, got string "two"', location: '<stdin>:4:11' },
    ]);
  });
});

describe('resolveSpec: every problem at once', () => {
  it('reports all the problems of a file, each with its path and line:col', () => {
    let error: unknown;
    try {
      resolveText(fixture('many-problems.yaml'), undefined, 'many-problems.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SpecError);
    const issues = (error as SpecError).issues;
    expect(issues.map((i) => [i.path, i.location])).toEqual([
      ['Replica', 'many-problems.yaml:5:1'],
      ['Name', 'many-problems.yaml:2:7'],
      ['ServicePort', 'many-problems.yaml:4:14'],
      ['HealthCheckFall', 'many-problems.yaml:14:18'],
      ['Protocol', 'many-problems.yaml:6:11'],
      ['Stdin', 'many-problems.yaml:7:8'],
      ['Env[1]', 'many-problems.yaml:10:5'],
      ['Labels.io.svc.tenant', 'many-problems.yaml:13:3'],
    ]);
    expect(issues.map((i) => i.message)).toEqual([
      'unknown field; did you mean Replicas?',
      expect.stringContaining('must be a DNS label'),
      'expected integer, got string "80" (write 80 without quotes)',
      'must be between 1 and 100, got 0',
      'expected one of http, https, tcp, httpsTerm, got string "htp"; did you mean http?',
      'expected boolean, got string "yes" (write true or false, without quotes)',
      'invalid variable name "1BAD": letters, digits and _, not starting with a digit',
      "label keys starting with io.svc. are reserved for svc's own labels",
    ]);
    expect((error as SpecError).status).toBe(400);
    expect((error as SpecError).message).toContain('many-problems.yaml:5:1: Replica: unknown field');
  });
  it('reports required fields that are missing', () => {
    expect(issuesOf(() => resolveSpec({}))).toEqual([
      { path: 'Name', message: 'required; set Name in the spec file or give --name' },
      { path: 'Image', message: 'required; set Image in the spec file or give IMAGE or --image' },
      { path: 'ServicePort', message: 'required; set ServicePort in the spec file or give --service-port' },
    ]);
  });
});

describe('resolveSpec: Name', () => {
  it('accepts a DNS label', () => {
    expect(resolveText('Name: a\nImage: nginx\nServicePort: 80\n').Name).toBe('a');
    expect(resolveText(`Name: ${'a'.repeat(63)}\nImage: nginx\nServicePort: 80\n`).Name).toHaveLength(63);
    expect(resolveText('Name: web-1\nImage: nginx\nServicePort: 80\n').Name).toBe('web-1');
  });
  it.each([['Web'], ['-web'], ['web-'], ['we_b'], [`${'a'.repeat(64)}`], ['""']])('refuses %s', (name) => {
    const issues = issuesOf(() => resolveText(`Name: ${name}\nImage: nginx\nServicePort: 80\n`));
    expect(issues).toMatchObject([{ path: 'Name', location: 'spec.yaml:1:7' }]);
    expect(issues[0]?.message).toMatch(/^must be a DNS label/);
  });
  it('suggests lowercase', () => {
    const issues = issuesOf(() => resolveText('Name: Web\nImage: nginx\nServicePort: 80\n'));
    expect(issues[0]?.message).toMatch(/use lowercase: "web"$/);
  });
  it('refuses a number, suggesting quotes', () => {
    expect(issuesOf(() => resolveText('Name: 123\nImage: nginx\nServicePort: 80\n'))).toEqual([
      {
        path: 'Name',
        message: 'expected string, got number 123 (quote it if you mean the text: "123")',
        location: 'spec.yaml:1:7',
      },
    ]);
  });
});

describe('resolveSpec: Image', () => {
  it.each([
    'nginx',
    'nginx:1.27-alpine',
    'library/nginx',
    'docker.io/library/nginx:latest',
    'localhost:5000/team/app',
    'Registry.Example.com:5000/a/b__c/d-e.f:v1_2',
    `nginx@sha256:${'a'.repeat(64)}`,
    `nginx:1@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (image) => {
    expect(
      resolveSpec({
        flags: flags({
          Name: [['--name', 'w']],
          Image: [['IMAGE', image]],
          ServicePort: [['--service-port', '1']],
        }),
      }).Image,
    ).toBe(image);
  });
  it.each([
    ['Nginx', /must be lowercase/],
    ['nginx:', /image reference/],
    ['nginx::1', /image reference/],
    ['-nginx', /image reference/],
    ['nginx_', /image reference/],
    ['a/-b', /image reference/],
    [`nginx:${'x'.repeat(129)}`, /image reference/],
    ['nginx@sha256:abc', /64 lowercase hex/],
    ['', /image reference/],
    ['ngi nx', /image reference/],
  ])('refuses %j', (image, message) => {
    const issues = issuesOf(() => resolveText(`Name: w\nImage: ${JSON.stringify(image)}\nServicePort: 80\n`));
    expect(issues).toMatchObject([{ path: 'Image', location: 'spec.yaml:2:8' }]);
    expect(issues[0]?.message).toMatch(message);
  });
});

describe('resolveSpec: ports', () => {
  it('defaults ContainerPort to ServicePort', () => {
    expect(resolveText(BASE)).toMatchObject({ ServicePort: 80, ContainerPort: 80 });
    expect(resolveText(`${BASE}ContainerPort: 8080\n`)).toMatchObject({
      ServicePort: 80,
      ContainerPort: 8080,
    });
  });
  it('accepts 1 and 65535', () => {
    expect(field('ContainerPort', 'ContainerPort: 65535\n')).toBe(65535);
    expect(field('ContainerPort', 'ContainerPort: 1\n')).toBe(1);
  });
  it.each([
    ['0', 'must be between 1 and 65535, got 0'],
    ['65536', 'must be between 1 and 65535, got 65536'],
    ['80.5', 'expected integer, got number 80.5'],
    ['"80"', 'expected integer, got string "80" (write 80 without quotes)'],
    ['[80]', 'expected integer, got list [80]'],
    ['true', 'expected integer, got boolean true'],
  ])('refuses ContainerPort %s', (value, message) => {
    expect(problems(`ContainerPort: ${value}\n`)).toEqual([
      { path: 'ContainerPort', message, location: 'spec.yaml:4:16' },
    ]);
  });
  it('requires ServicePort and reports no ContainerPort problem when it is wrong', () => {
    expect(issuesOf(() => resolveText('Name: w\nImage: nginx\nServicePort: -1\n'))).toEqual([
      { path: 'ServicePort', message: 'must be between 1 and 65535, got -1', location: 'spec.yaml:3:14' },
    ]);
  });
});

describe('resolveSpec: Replicas', () => {
  it('defaults to 1 and accepts 1–1000', () => {
    expect(field('Replicas', '')).toBe(1);
    expect(field('Replicas', 'Replicas: 1000\n')).toBe(1000);
  });
  it('refuses 0 at create, saying it is for scale', () => {
    expect(problems('Replicas: 0\n')).toEqual([
      {
        path: 'Replicas',
        message: 'must be between 1 and 1000 at create, got 0 (0 replicas is only for `svc scale NAME=0`)',
        location: 'spec.yaml:4:11',
      },
    ]);
  });
  it('allows 0 with allowZeroReplicas', () => {
    expect(resolveText(`${BASE}Replicas: 0\n`, { allowZeroReplicas: true }).Replicas).toBe(0);
  });
  it('refuses 1001, negatives and non-integers', () => {
    expect(problems('Replicas: 1001\n')[0]?.message).toBe('must be between 0 and 1000, got 1001');
    expect(problems('Replicas: -1\n')[0]?.message).toBe('must be between 0 and 1000, got -1');
    expect(problems('Replicas: 1.5\n')[0]?.message).toBe('expected integer, got number 1.5');
    expect(problems('Replicas: two\n')[0]?.message).toBe('expected integer, got string "two"');
  });
});

describe('resolveSpec: health checks', () => {
  it('defaults to 5, 3, 2', () => {
    expect(resolveText(BASE)).toMatchObject({
      HealthCheckInterval: 5,
      HealthCheckFall: 3,
      HealthCheckRise: 2,
    });
  });
  it('accepts values in range', () => {
    const spec = resolveText(`${BASE}HealthCheckInterval: 3600\nHealthCheckFall: 1\nHealthCheckRise: 100\n`);
    expect(spec).toMatchObject({ HealthCheckInterval: 3600, HealthCheckFall: 1, HealthCheckRise: 100 });
  });
  it('refuses values out of range, saying the range', () => {
    expect(problems('HealthCheckInterval: 0\nHealthCheckFall: 101\nHealthCheckRise: 0\n')).toEqual([
      {
        path: 'HealthCheckInterval',
        message: 'must be between 1 and 3600 seconds, got 0',
        location: 'spec.yaml:4:22',
      },
      { path: 'HealthCheckFall', message: 'must be between 1 and 100, got 101', location: 'spec.yaml:5:18' },
      { path: 'HealthCheckRise', message: 'must be between 1 and 100, got 0', location: 'spec.yaml:6:18' },
    ]);
  });
});

describe('resolveSpec: enums', () => {
  it('defaults Protocol tcp, Algorithm roundrobin, ContainerSize s4', () => {
    expect(resolveText(BASE)).toMatchObject({
      Protocol: 'tcp',
      Algorithm: 'roundrobin',
      ContainerSize: 's4',
    });
  });
  it('matches case-insensitively and prints the canonical spelling', () => {
    const spec = resolveText(`${BASE}Protocol: HTTPS\nAlgorithm: LeastConn\nContainerSize: M3\n`);
    expect(spec).toMatchObject({ Protocol: 'https', Algorithm: 'leastconn', ContainerSize: 'm3' });
  });
  it('canonicalises HTTPSTERM to httpsTerm', () => {
    expect(field('Protocol', `Protocol: HTTPSTERM\nSSLCert: ${yamlBlock(certs.leaf.pem)}`)).toBe('httpsTerm');
  });
  it('refuses other values, listing the allowed ones', () => {
    expect(problems('Algorithm: random\nContainerSize: xl\nProtocol: udp\n')).toEqual([
      {
        path: 'ContainerSize',
        message: 'expected one of s1, s2, s3, s4, m1, m2, m3, l1, l2, l3, got string "xl"',
        location: 'spec.yaml:5:16',
      },
      {
        path: 'Algorithm',
        message: 'expected one of roundrobin, leastconn, source, got string "random"',
        location: 'spec.yaml:4:12',
      },
      {
        path: 'Protocol',
        message: 'expected one of http, https, tcp, httpsTerm, got string "udp"',
        location: 'spec.yaml:6:11',
      },
    ]);
  });
  it('suggests a close value', () => {
    expect(problems('Algorithm: leastcon\n')[0]?.message).toMatch(/did you mean leastconn\?$/);
  });
});

describe('resolveSpec: booleans', () => {
  it('default false and accept true', () => {
    expect(resolveText(BASE)).toMatchObject({ Stdin: false, Tty: false, SessionAffinity: false });
    const spec = resolveText(`${BASE}Stdin: true\nTty: True\nSessionAffinity: true\n`);
    expect(spec).toMatchObject({ Stdin: true, Tty: true, SessionAffinity: true });
  });
  it('refuses "true", yes and 1', () => {
    expect(problems('Stdin: "true"\nTty: yes\nSessionAffinity: 1\n')).toEqual([
      {
        path: 'Stdin',
        message: 'expected boolean, got string "true" (write true or false, without quotes)',
        location: 'spec.yaml:4:8',
      },
      {
        path: 'Tty',
        message: 'expected boolean, got string "yes" (write true or false, without quotes)',
        location: 'spec.yaml:5:6',
      },
      { path: 'SessionAffinity', message: 'expected boolean, got number 1', location: 'spec.yaml:6:18' },
    ]);
  });
});

describe('resolveSpec: SSLCert', () => {
  it('accepts a certificate with its key for httpsTerm, normalised', () => {
    const spec = resolveText(`${BASE}Protocol: httpsTerm\nSSLCert: ${yamlBlock(certs.leaf.pem)}`);
    expect(spec.SSLCert).toBe(certs.leaf.pem);
    const crlf = resolveText(
      `${BASE}Protocol: httpsTerm\nSSLCert: ${JSON.stringify(`\r\n${certs.leaf.pem.replace(/\n/g, '\r\n')}\r\n`)}\n`,
    );
    expect(crlf.SSLCert).toBe(certs.leaf.pem);
  });
  it('accepts the key before the certificate', () => {
    expect(
      field('SSLCert', `Protocol: httpsTerm\nSSLCert: ${yamlBlock(certs.leaf.key + certs.leaf.cert)}`),
    ).toContain('CERTIFICATE');
  });
  it('is required with httpsTerm, pointing at the Protocol', () => {
    expect(problems('Protocol: httpsTerm\n')).toEqual([
      {
        path: 'SSLCert',
        message:
          'required with Protocol httpsTerm: a certificate and its private key as PEM (--ssl-cert FILE)',
        location: 'spec.yaml:4:11',
      },
    ]);
  });
  it('is refused with other protocols', () => {
    expect(problems(`Protocol: http\nSSLCert: ${yamlBlock(certs.leaf.pem)}`)).toEqual([
      {
        path: 'SSLCert',
        message: 'only used with Protocol httpsTerm (Protocol is http); remove it or change the protocol',
        location: 'spec.yaml:5:10',
      },
    ]);
  });
  it('needs a certificate and a key', () => {
    const onlyCert = problems(`Protocol: httpsTerm\nSSLCert: ${yamlBlock(certs.leaf.cert)}`);
    expect(onlyCert).toEqual([
      {
        path: 'SSLCert',
        message: 'no private key (-----BEGIN PRIVATE KEY-----) in the PEM text',
        location: 'spec.yaml:5:10',
      },
    ]);
    expect(problems(`Protocol: httpsTerm\nSSLCert: ${yamlBlock(certs.leaf.key)}`)[0]?.message).toBe(
      'no certificate (-----BEGIN CERTIFICATE-----) in the PEM text',
    );
    expect(problems('Protocol: httpsTerm\nSSLCert: not a pem\n')[0]?.message).toMatch(/^expected PEM text/);
  });
  it('needs the key to match the certificate', () => {
    const issues = problems(`Protocol: httpsTerm\nSSLCert: ${yamlBlock(certs.leaf.cert + certs.other.key)}`);
    expect(issues).toEqual([
      {
        path: 'SSLCert',
        message: 'the private key does not match the certificate (CN=svc.test)',
        location: 'spec.yaml:5:10',
      },
    ]);
  });
  it('never shows the PEM text in a problem', () => {
    const issues = problems(`Protocol: tcp\nSSLCert: ${yamlBlock(certs.leaf.cert + certs.other.key)}`);
    const keyBody = certs.other.key.split('\n')[1] as string;
    for (const i of issues) expect(i.message).not.toContain(keyBody.slice(0, 20));
    expect(problems('Protocol: httpsTerm\nSSLCert: [a]\n')[0]?.message).toBe('expected PEM text, got list');
  });
});

describe('resolveSpec: Entrypoint and Cmd', () => {
  it('are null when unset, empty or null', () => {
    expect(resolveText(BASE)).toMatchObject({ Entrypoint: null, Cmd: null });
    expect(resolveText(`${BASE}Entrypoint: []\nCmd: ~\n`)).toMatchObject({ Entrypoint: null, Cmd: null });
    expect(field('Cmd', 'Cmd: ""\n')).toBeNull();
  });
  it('split a string like a shell', () => {
    expect(field('Cmd', `Cmd: nginx -g 'daemon off;'\n`)).toEqual(['nginx', '-g', 'daemon off;']);
    expect(field('Entrypoint', 'Entrypoint: "/bin/sh -c"\n')).toEqual(['/bin/sh', '-c']);
  });
  it('keep a list as it is', () => {
    expect(field('Cmd', 'Cmd: [sh, -c, "echo a b"]\n')).toEqual(['sh', '-c', 'echo a b']);
  });
  it('clear the entrypoint with an empty string, as docker does', () => {
    expect(field('Entrypoint', 'Entrypoint: ""\n')).toEqual(['']);
  });
  it('refuse bad quoting, non-strings and control characters', () => {
    expect(problems(`Cmd: echo "hi\nEntrypoint: [sh, 1]\n`)).toEqual([
      {
        path: 'Entrypoint[1]',
        message: 'expected string, got number 1 (quote it if you mean the text: "1")',
        location: 'spec.yaml:5:18',
      },
      {
        path: 'Cmd',
        message: 'cannot split string "echo \\"hi" into words: unterminated double quote at character 6',
        location: 'spec.yaml:4:6',
      },
    ]);
    expect(problems('Cmd: ["a\\nb"]\n')).toEqual([
      {
        path: 'Cmd[0]',
        message: 'must not contain newlines or control characters, got string "a\\nb"',
        location: 'spec.yaml:4:7',
      },
    ]);
    expect(problems('Cmd: {a: 1}\n')[0]?.message).toBe('expected string or list of strings, got map {"a":1}');
  });
});

describe('resolveSpec: Env', () => {
  it('is null when unset or empty', () => {
    expect(field('Env', '')).toBeNull();
    expect(field('Env', 'Env: []\n')).toBeNull();
    expect(field('Env', 'Env: {}\n')).toBeNull();
  });
  it('takes a list of NAME=value in order', () => {
    expect(field('Env', 'Env: [B=2, A=1=x, _C=]\n')).toEqual(['B=2', 'A=1=x', '_C=']);
  });
  it('takes a map, numbers and booleans as written', () => {
    expect(field('Env', 'Env:\n  VERSION: 1.10\n  DEBUG: true\n  N: 0x1F\n  S: "x y"\n')).toEqual([
      'VERSION=1.10',
      'DEBUG=true',
      'N=0x1F',
      'S=x y',
    ]);
  });
  it('refuses bad names, missing =, duplicates, nulls and nesting', () => {
    expect(problems('Env: [A=1, NOEQ, 1X=2, A=3]\n')).toEqual([
      { path: 'Env[1]', message: 'expected NAME=value, got string "NOEQ"', location: 'spec.yaml:4:12' },
      {
        path: 'Env[2]',
        message: 'invalid variable name "1X": letters, digits and _, not starting with a digit',
        location: 'spec.yaml:4:18',
      },
      { path: 'Env[3]', message: 'duplicate NAME "A", also at Env[0]', location: 'spec.yaml:4:24' },
    ]);
    expect(problems('Env:\n  my-var: 1\n  E:\n  M: {a: 1}\n')).toEqual([
      {
        path: 'Env.my-var',
        message: 'invalid variable name "my-var": letters, digits and _, not starting with a digit',
        location: 'spec.yaml:5:3',
      },
      {
        path: 'Env.E',
        message: 'expected string, number or boolean, got null (write "" for an empty value)',
        location: 'spec.yaml:6:5',
      },
      {
        path: 'Env.M',
        message: 'expected string, number or boolean, got map {"a":1}',
        location: 'spec.yaml:7:6',
      },
    ]);
    expect(problems('Env: A=1\n')[0]?.message).toBe(
      'expected list of "NAME=value" strings or a map of NAME: value, got string "A=1"',
    );
  });
  it('refuses control characters in values', () => {
    expect(problems('Env: {A: "x\\ty"}\n')).toEqual([
      {
        path: 'Env.A',
        message: 'must not contain newlines or control characters, got string "x\\ty"',
        location: 'spec.yaml:4:10',
      },
    ]);
  });
});

describe('resolveSpec: Labels', () => {
  it('defaults to {}', () => {
    expect(field('Labels', '')).toEqual({});
    expect(field('Labels', 'Labels:\n')).toEqual({});
  });
  it('takes a map (numbers and booleans as text) or a key=value list', () => {
    expect(field('Labels', 'Labels: {app: web, version: 1.0, "com.example/x": "a b"}\n')).toEqual({
      app: 'web',
      version: '1.0',
      'com.example/x': 'a b',
    });
    expect(field('Labels', 'Labels: [app=web, flag, e=]\n')).toEqual({ app: 'web', flag: '', e: '' });
  });
  it('refuses reserved, empty and blank keys', () => {
    expect(problems('Labels:\n  IO.SVC.role: x\n  "a b": x\n  "": x\n')).toEqual([
      {
        path: 'Labels.IO.SVC.role',
        message: "label keys starting with io.svc. are reserved for svc's own labels",
        location: 'spec.yaml:5:3',
      },
      {
        path: 'Labels.a b',
        message: 'label key "a b" must not contain whitespace or control characters',
        location: 'spec.yaml:6:3',
      },
      { path: 'Labels.', message: 'label keys must not be empty', location: 'spec.yaml:7:3' },
    ]);
    expect(problems('Labels: [io.svc.x=1, =v]\n')).toEqual([
      {
        path: 'Labels[0]',
        message: "label keys starting with io.svc. are reserved for svc's own labels",
        location: 'spec.yaml:4:10',
      },
      { path: 'Labels[1]', message: 'label keys must not be empty', location: 'spec.yaml:4:22' },
    ]);
  });
  it('refuses newlines in values and wrong types', () => {
    expect(problems('Labels: {a: "x\\ny"}\n')[0]).toMatchObject({
      path: 'Labels.a',
      location: 'spec.yaml:4:13',
    });
    expect(problems('Labels: web\n')[0]?.message).toBe(
      'expected map of key: value or list of "key=value" strings, got string "web"',
    );
  });
});

describe('resolveSpec: Volumes', () => {
  it('is null when unset or empty', () => {
    expect(field('Volumes', '')).toBeNull();
    expect(field('Volumes', 'Volumes: []\n')).toBeNull();
  });
  it('takes named volumes and absolute host paths', () => {
    expect(
      field(
        'Volumes',
        'Volumes: ["data:/var/lib/data", "/srv/www:/usr/share/nginx/html:ro", "v_1.x:/x:rw"]\n',
      ),
    ).toEqual(['data:/var/lib/data', '/srv/www:/usr/share/nginx/html:ro', 'v_1.x:/x:rw']);
  });
  it.each([
    ['/data', /expected SOURCE:\/container\/path/],
    ['a:b:c:d', /expected SOURCE:\/container\/path/],
    ['./rel:/data', /must be a volume name .* or an absolute host path/],
    ['x:/data', /must be a volume name/],
    ['data:rel', /container path "rel" must be an absolute path/],
    ['data:/', /container path "\/" must be an absolute path other than \//],
    ['data:/d:rx', /mode "rx" must be ro or rw/],
  ])('refuses %s', (volume, message) => {
    const issues = problems(`Volumes:\n  - ${JSON.stringify(volume)}\n`);
    expect(issues).toMatchObject([{ path: 'Volumes[0]', location: 'spec.yaml:5:5' }]);
    expect(issues[0]?.message).toMatch(message);
  });
  it('refuses two mounts on one container path, and a non-list', () => {
    expect(problems('Volumes: ["a1:/d", "b1:/d"]\n')).toEqual([
      {
        path: 'Volumes[1]',
        message: 'container path /d is already mounted by Volumes[0]',
        location: 'spec.yaml:4:20',
      },
    ]);
    expect(problems('Volumes: "a1:/d"\n')[0]?.message).toBe(
      'expected list of "source:/container/path[:ro]" strings, or a map of them to {}, got string "a1:/d"',
    );
  });
  it("takes the original API's map of entries to {} (or null), in YAML and JSON alike", () => {
    const want = ['data:/d', '/srv:/s:ro'];
    expect(field('Volumes', 'Volumes:\n  data:/d: {}\n  /srv:/s:ro:\n')).toEqual(want);
    expect(field('Volumes', 'Volumes: {"data:/d": {}, "/srv:/s:ro": {}}\n')).toEqual(want);
    expect(field('Volumes', 'Volumes: {}\n')).toBeNull();
  });
  it('reports a bad entry of the map at its key, and a value other than {}', () => {
    expect(problems('Volumes: {"a1:/d": {}, "b1:rel": {}}\n')).toMatchObject([
      { path: 'Volumes.b1:rel', location: 'spec.yaml:4:24' },
    ]);
    expect(problems('Volumes: {"a1:/d": {}, "b1:/d": {}}\n')).toMatchObject([
      { path: 'Volumes.b1:/d', message: 'container path /d is already mounted by Volumes.a1:/d' },
    ]);
    expect(problems('Volumes: {"a1:/d": "ro"}\n')).toEqual([
      {
        path: 'Volumes.a1:/d',
        message: 'expected {} as the value of "a1:/d" (the key is the entry), got string "ro"',
        location: 'spec.yaml:4:20',
      },
    ]);
  });
});

describe('resolveSpec: WorkingDir, NetMode, StopSignal, SecurityGroups, FIP', () => {
  it('WorkingDir: "" or an absolute path', () => {
    expect(field('WorkingDir', '')).toBe('');
    expect(field('WorkingDir', 'WorkingDir: /app\n')).toBe('/app');
    expect(problems('WorkingDir: app\n')).toEqual([
      {
        path: 'WorkingDir',
        message: 'must be an absolute path (starting with /), got string "app"',
        location: 'spec.yaml:4:13',
      },
    ]);
    expect(problems('WorkingDir: "/a\\nb"\n')[0]?.message).toMatch(/^must not contain newlines/);
  });
  it('NetMode: "" or bridge', () => {
    expect(field('NetMode', '')).toBe('');
    expect(field('NetMode', 'NetMode: Bridge\n')).toBe('bridge');
    expect(problems('NetMode: host\n')).toEqual([
      {
        path: 'NetMode',
        message: 'only bridge is supported (or "" for the default), got string "host"',
        location: 'spec.yaml:4:10',
      },
    ]);
  });
  it('StopSignal: a real signal name or number, canonical', () => {
    expect(field('StopSignal', '')).toBe('');
    expect(field('StopSignal', 'StopSignal: SIGTERM\n')).toBe('SIGTERM');
    expect(field('StopSignal', 'StopSignal: TERM\n')).toBe('SIGTERM');
    expect(field('StopSignal', 'StopSignal: sigint\n')).toBe('SIGINT');
    expect(field('StopSignal', 'StopSignal: "9"\n')).toBe('9');
    expect(field('StopSignal', 'StopSignal: 15\n')).toBe('15');
    expect(problems('StopSignal: SIGTREM\n')).toEqual([
      {
        path: 'StopSignal',
        message:
          'expected a signal name such as SIGTERM or SIGINT, or a number 1–64, got string "SIGTREM"; did you mean SIGTERM?',
        location: 'spec.yaml:4:13',
      },
    ]);
    expect(problems('StopSignal: 65\n')[0]?.message).toBe('a signal number must be between 1 and 64, got 65');
    expect(problems('StopSignal: 0\n')[0]?.message).toBe('a signal number must be between 1 and 64, got 0');
  });
  it('SecurityGroups: a list of names or null', () => {
    expect(field('SecurityGroups', '')).toBeNull();
    expect(field('SecurityGroups', 'SecurityGroups: [web, office-ssh]\n')).toEqual(['web', 'office-ssh']);
    expect(problems('SecurityGroups: [web, "bad name", web]\n')).toEqual([
      {
        path: 'SecurityGroups[1]',
        message:
          'expected a security group name (letters, digits, - _ ., at most 63 characters, starting and ending with a letter or digit), got string "bad name"',
        location: 'spec.yaml:4:23',
      },
      {
        path: 'SecurityGroups[2]',
        message: 'security group "web" is listed twice',
        location: 'spec.yaml:4:35',
      },
    ]);
    expect(problems('SecurityGroups: web\n')[0]?.message).toBe(
      'expected list of security group names, or a map of them to {}, got string "web"',
    );
  });
  it("SecurityGroups: the original API's map of names to {}", () => {
    expect(field('SecurityGroups', 'SecurityGroups: {web: {}, office-ssh: {}}\n')).toEqual([
      'web',
      'office-ssh',
    ]);
    expect(problems('SecurityGroups: {"bad name": {}}\n')).toMatchObject([
      { path: 'SecurityGroups.bad name', location: 'spec.yaml:4:18' },
    ]);
  });
  it('FIP: "" or an IP address', () => {
    expect(field('FIP', '')).toBe('');
    expect(field('FIP', 'FIP: 127.0.0.1\n')).toBe('127.0.0.1');
    expect(field('FIP', 'FIP: "::1"\n')).toBe('::1');
    expect(field('FIP', 'FIP: 0.0.0.0\n')).toBe('0.0.0.0');
    expect(problems('FIP: 256.0.0.1\n')).toEqual([
      {
        path: 'FIP',
        message: 'expected an IPv4 or IPv6 address such as 127.0.0.1, got string "256.0.0.1"',
        location: 'spec.yaml:4:6',
      },
    ]);
  });
});

describe('resolveSpec: HealthCheckPath, StopTimeout', () => {
  it('HealthCheckPath: "" or an absolute path, with http and httpsTerm only', () => {
    expect(field('HealthCheckPath', '')).toBe('');
    expect(field('HealthCheckPath', 'Protocol: http\nHealthCheckPath: /healthz\n')).toBe('/healthz');
    expect(field('HealthCheckPath', 'Protocol: http\nHealthCheckPath: "/ready?deep=1&x=%20"\n')).toBe(
      '/ready?deep=1&x=%20',
    );
    expect(field('HealthCheckPath', 'Protocol: tcp\nHealthCheckPath: ""\n')).toBe('');
    expect(problems('Protocol: http\nHealthCheckPath: healthz\n')).toEqual([
      {
        path: 'HealthCheckPath',
        message: 'must be an absolute path such as /healthz, got string "healthz"',
        location: 'spec.yaml:5:18',
      },
    ]);
    for (const p of ['Protocol: tcp', 'Protocol: https'])
      expect(problems(`${p}\nHealthCheckPath: /healthz\n`)).toEqual([
        {
          path: 'HealthCheckPath',
          message: `HealthCheckPath is only for Protocol http or httpsTerm (Protocol is ${p.slice(10)}, checked by connecting); remove it or change the protocol`,
          location: 'spec.yaml:5:18',
        },
      ]);
    // tcp by default: the problem stands at the path.
    expect(problems('HealthCheckPath: /healthz\n')).toMatchObject([{ path: 'HealthCheckPath' }]);
  });
  it('HealthCheckPath: nothing that could change the config it goes into', () => {
    for (const bad of [
      '"/a b"',
      '"/a\\tb"',
      '"/a#b"',
      '"/a\\"b"',
      '"/a\'b"',
      '"/a\\\\b"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: HAProxy's environment variable syntax, on purpose
      '"/${HOME}"',
      '"/%zz"',
      '"/é"',
      '"/a\\nhttp-check send"',
    ]) {
      const found = problems(`Protocol: http\nHealthCheckPath: ${bad}\n`);
      expect(found, bad).toHaveLength(1);
      expect(found[0]?.path).toBe('HealthCheckPath');
    }
    expect(problems(`Protocol: http\nHealthCheckPath: /${'a'.repeat(1024)}\n`)).toHaveLength(1);
  });
  it('HealthCheckPath: from the flag, the problem named by the flag', () => {
    const issues = issuesOf(() =>
      resolveSpec({
        file: parseSpecDocument('spec.yaml', BASE),
        flags: flags({ HealthCheckPath: [['--health-check-path', '/healthz']] }),
      }),
    );
    expect(issues).toEqual([
      {
        path: '--health-check-path',
        message:
          'HealthCheckPath is only for Protocol http or httpsTerm (Protocol is tcp, checked by connecting); remove it or change the protocol',
      },
    ]);
  });
  it('StopTimeout: whole seconds from 0, 10 by default', () => {
    expect(field('StopTimeout', '')).toBe(10);
    expect(field('StopTimeout', 'StopTimeout: 0\n')).toBe(0);
    expect(field('StopTimeout', 'StopTimeout: 120\n')).toBe(120);
    expect(problems('StopTimeout: -1\n')).toEqual([
      {
        path: 'StopTimeout',
        message: 'must be between 0 and 86400 seconds, got -1',
        location: 'spec.yaml:4:14',
      },
    ]);
    expect(problems('StopTimeout: 1.5\n')).toMatchObject([{ path: 'StopTimeout' }]);
    expect(problems('StopTimeout: "10"\n')).toMatchObject([{ path: 'StopTimeout' }]);
  });
  it('a spec stored before these fields existed reads with their defaults', () => {
    const { HealthCheckPath: _p, StopTimeout: _t, ...old } = seedSpec;
    expect(withNewerDefaults(old as ServiceSpec)).toEqual(seedSpec);
    const kept = { ...seedSpec, StopTimeout: 3 };
    expect(withNewerDefaults(kept)).toEqual(kept);
  });
});

describe('resolveSpec: strings', () => {
  it('refuse newlines and control characters everywhere', () => {
    expect(problems('FIP: "127.0.0.1\\n"\nStopSignal: "TERM\\r"\n')).toEqual([
      {
        path: 'StopSignal',
        message: 'must not contain newlines or control characters, got string "TERM\\r"',
        location: 'spec.yaml:5:13',
      },
      {
        path: 'FIP',
        message: 'must not contain newlines or control characters, got string "127.0.0.1\\n"',
        location: 'spec.yaml:4:6',
      },
    ]);
  });
  it('show long values briefly', () => {
    const message = problems(`WorkingDir: ${'x'.repeat(100)}\n`)[0]?.message ?? '';
    expect(message).toMatch(/got string "x+…$/);
    expect(message.length).toBeLessThan(100);
  });
});

describe('resolveSpec: flags', () => {
  it('override the file and merge Env and Labels by key, the flag winning', () => {
    const file = parseSpecDocument(
      's.yaml',
      `${BASE}Replicas: 2\nTty: true\nEnv: [A=1, B=2]\nLabels: {app: web, tier: front}\nVolumes: ["a1:/a"]\n`,
    );
    const spec = resolveSpec({
      file,
      flags: flags({
        Replicas: [['--replicas', '5']],
        Tty: [['--tty', false]],
        Env: [
          ['--env', 'B=3'],
          ['--env', 'C=4'],
        ],
        Labels: [['--label', 'tier=back']],
        Volumes: [['--volume', 'b1:/b']],
      }),
    });
    expect(spec).toMatchObject({
      Name: 'web',
      Replicas: 5,
      Tty: false,
      Env: ['A=1', 'B=3', 'C=4'],
      Labels: { app: 'web', tier: 'back' },
      Volumes: ['b1:/b'],
    });
  });
  it('take integers as text, but only digits', () => {
    expect(
      resolveSpec({
        file: parseSpecDocument('s.yaml', BASE),
        flags: flags({ Replicas: [['--replicas', '7']] }),
      }).Replicas,
    ).toBe(7);
    expect(
      issuesOf(() =>
        resolveSpec({
          file: parseSpecDocument('s.yaml', BASE),
          flags: flags({ Replicas: [['--replicas', 'two']] }),
        }),
      ),
    ).toEqual([{ path: '--replicas', message: 'expected integer, got string "two"' }]);
    expect(
      issuesOf(() =>
        resolveSpec({
          file: parseSpecDocument('s.yaml', BASE),
          flags: flags({ ServicePort: [['--service-port', '8.5']] }),
        }),
      ),
    ).toEqual([{ path: '--service-port', message: 'expected integer, got string "8.5"' }]);
  });
  it('report problems of flags and file together, with the flag as path', () => {
    const issues = issuesOf(() =>
      resolveSpec({
        file: parseSpecDocument('s.yaml', 'Name: web\nServicePort: 80\nAlgorithm: fast\n'),
        flags: {
          fields: {
            Image: [{ flag: 'IMAGE', value: 'Nginx' }],
            Env: [
              { flag: '--env-file', value: 'bad name=1', location: 'env.list:3:1' },
              { flag: '--env', value: 'A' },
            ],
            Protocol: [{ flag: '--protocol', value: 'smtp' }],
          },
          issues: [{ path: '--label-file', message: 'cannot read x: no such file' }],
        },
      }),
    );
    expect(issues).toEqual([
      { path: '--label-file', message: 'cannot read x: no such file' },
      expect.objectContaining({ path: 'IMAGE', message: expect.stringMatching(/must be lowercase/) }),
      expect.objectContaining({ path: 'Algorithm', location: 's.yaml:3:12' }),
      expect.objectContaining({ path: '--protocol' }),
      {
        path: '--env-file',
        message: 'invalid variable name "bad name": letters, digits and _, not starting with a digit',
        location: 'env.list:3:1',
      },
      { path: '--env', message: 'expected NAME=value, got string "A"' },
    ]);
  });
  it('index the items of CMD', () => {
    expect(
      issuesOf(() =>
        resolveSpec({
          file: parseSpecDocument('s.yaml', BASE),
          flags: flags({ Cmd: [['CMD', ['echo', 'a\nb']]] }),
        }),
      ),
    ).toEqual([
      { path: 'CMD[1]', message: 'must not contain newlines or control characters, got string "a\\nb"' },
    ]);
  });
  it('take the SSL certificate from a flag, located at its file', () => {
    const file = parseSpecDocument('s.yaml', `${BASE}Protocol: httpsTerm\n`);
    const ok = resolveSpec({
      file,
      flags: {
        fields: { SSLCert: [{ flag: '--ssl-cert', value: certs.leaf.pem, location: certs.leaf.certFile }] },
      },
    });
    expect(ok.SSLCert).toBe(certs.leaf.pem);
    expect(
      issuesOf(() =>
        resolveSpec({
          file,
          flags: {
            fields: {
              SSLCert: [{ flag: '--ssl-cert', value: certs.leaf.cert, location: certs.leaf.certFile }],
            },
          },
        }),
      ),
    ).toEqual([
      {
        path: '--ssl-cert',
        message: 'no private key (-----BEGIN PRIVATE KEY-----) in the PEM text',
        location: certs.leaf.certFile,
      },
    ]);
    const http = parseSpecDocument('s.yaml', `${BASE}Protocol: http\n`);
    expect(
      issuesOf(() =>
        resolveSpec({
          file: http,
          flags: {
            fields: {
              SSLCert: [{ flag: '--ssl-cert', value: certs.leaf.pem, location: certs.leaf.certFile }],
            },
          },
        }),
      ),
    ).toEqual([
      {
        path: '--ssl-cert',
        message: 'only used with Protocol httpsTerm (Protocol is http); remove it or change the protocol',
        location: certs.leaf.certFile,
      },
    ]);
  });
});

describe('resolveField', () => {
  it('checks one field given alone, by the same rules', () => {
    expect(resolveField('Replicas', { flag: 'web=0', value: '0' }, { allowZeroReplicas: true })).toBe(0);
    expect(resolveField('Image', { flag: '--image', value: 'nginx:1.27' })).toBe('nginx:1.27');
    expect(resolveField('FIP', { flag: '--fip', value: '::1' })).toBe('::1');
    expect(issuesOf(() => resolveField('Replicas', { flag: 'web=x', value: 'x' }))).toEqual([
      { path: 'web=x', message: 'expected integer, got string "x"' },
    ]);
    expect(issuesOf(() => resolveField('Image', { flag: '--image', value: 'Nginx' }))[0]?.path).toBe(
      '--image',
    );
  });
});

describe('resolveSpec: values shown as written', () => {
  it('shows numbers as they stand in the file', () => {
    expect(problems('HealthCheckInterval: .inf\nReplicas: 1.50\n')).toEqual([
      { path: 'Replicas', message: 'expected integer, got number 1.50', location: 'spec.yaml:5:11' },
      {
        path: 'HealthCheckInterval',
        message: 'expected integer, got number .inf',
        location: 'spec.yaml:4:22',
      },
    ]);
  });
});
