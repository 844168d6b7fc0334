/**
 * The JSON Schemas of spec files: generated from SCHEMA, committed and current, checked by a real
 * validator (ajv) against every example, against the spec shapes of the bad-input tests (which it
 * must refuse, but for rules a schema cannot say), and against svc itself: a value svc accepts,
 * the schema accepts.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMAS, schemaText } from '../../src/commands/schema.js';
import { SpecError } from '../../src/errors.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { resolveSpec } from '../../src/spec/resolve-spec.js';
import { parseSecurityGroup } from '../../src/spec/security-group.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { minimalSpec } from '../support/seed.js';
import { BASE } from './helpers.js';
import { validateSecurityGroup, validateService, verdict, yamlValue } from './json-schema-helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('schema/*.schema.json', () => {
  it.each(Object.keys(SCHEMAS))('%s is what svc schema prints (UPDATE_SCHEMA=1 rewrites it)', (kind) => {
    const file = join(ROOT, 'schema', `${kind}.schema.json`);
    if (process.env.UPDATE_SCHEMA) writeFileSync(file, schemaText(kind));
    expect(
      readFileSync(file, 'utf8'),
      `${file} is stale: run UPDATE_SCHEMA=1 npx vitest run test/spec/json-schema.test.ts`,
    ).toBe(schemaText(kind));
  });
});

describe('examples/', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs.cleanup());

  const files = readdirSync(join(ROOT, 'examples')).filter((f) => /\.ya?ml$/.test(f));

  it.each(files)('%s names its schema on the first line, and passes it and svc', (name) => {
    const text = readFileSync(join(ROOT, 'examples', name), 'utf8');
    const kind = name === 'security-group.yaml' ? 'security-group' : 'service';
    expect(text.split('\n')[0]).toBe(`# yaml-language-server: $schema=../schema/${kind}.schema.json`);
    const doc = parseSpecDocument(name, text);
    if (kind === 'security-group') {
      expect(verdict(validateSecurityGroup, yamlValue(text))).toBe(true);
      expect(parseSecurityGroup(doc).rules.length).toBeGreaterThan(0);
      return;
    }
    expect(verdict(validateService, yamlValue(text))).toBe(true);
    // https-term.yaml takes its certificate from --ssl-cert, as its comment says.
    const flags = /Protocol: httpsTerm/.test(text)
      ? { fields: { SSLCert: [{ flag: '--ssl-cert', value: certs.leaf.pem }] } }
      : undefined;
    expect(resolveSpec({ file: doc, flags }).Name).toBeTruthy();
  });
});

/** A minimal valid spec plus `extra` lines; a key that `extra` sets (in any case) is left out of the minimum. */
function spec(extra: string): string {
  const keys = new Set([...extra.matchAll(/^(\w+):/gm)].map((m) => (m[1] as string).toLowerCase()));
  const base = BASE.trimEnd().split('\n');
  return `${base.filter((l) => !keys.has(l.split(':')[0]?.toLowerCase() as string)).join('\n')}\n${extra}`;
}

/** svc's own verdict on a service spec text. */
function svcAccepts(text: string): boolean {
  try {
    resolveSpec({ file: parseSpecDocument('spec.yaml', text) });
    return true;
  } catch (err) {
    if (err instanceof SpecError) return false;
    throw err;
  }
}

describe('the service schema and the bad-input tests (test/spec/resolve-spec.test.ts)', () => {
  // Each refused by svc; the schema refuses them too.
  it.each([
    'Replica: 2\n',
    'service_prot: 1\n',
    'environment: {}\n',
    'Bogus: 1\n',
    'Name: Web\n',
    'Name: -web\n',
    'Name: we_b\n',
    `Name: ${'a'.repeat(64)}\n`,
    'Name: ""\n',
    'Name: 123\n',
    'Image: Nginx\n',
    'Image: "nginx:"\n',
    'Image: "-nginx"\n',
    'Image: a/-b\n',
    `Image: nginx:${'x'.repeat(129)}\n`,
    'Image: nginx@sha256:abc\n',
    'Image: ""\n',
    'Image: ngi nx\n',
    'ContainerPort: 0\n',
    'ContainerPort: 65536\n',
    'ContainerPort: 80.5\n',
    'ContainerPort: "80"\n',
    'ContainerPort: [80]\n',
    'ContainerPort: true\n',
    'ServicePort: -1\n',
    'Replicas: 0\n',
    'Replicas: 1001\n',
    'Replicas: 1.5\n',
    'Replicas: two\n',
    'Replicas: 1.50\n',
    'HealthCheckInterval: 0\n',
    'HealthCheckInterval: .inf\n',
    'HealthCheckFall: 101\n',
    'HealthCheckRise: 0\n',
    'Algorithm: random\n',
    'Algorithm: leastcon\n',
    'ContainerSize: xl\n',
    'Protocol: udp\n',
    'Stdin: "true"\n',
    'Tty: yes\n',
    'SessionAffinity: 1\n',
    'SSLCert: [a]\n',
    'Cmd: {a: 1}\n',
    'Entrypoint: [sh, 1]\n',
    'Cmd: ["a\\nb"]\n',
    'Env: [A=1, NOEQ]\n',
    'Env: [1X=2]\n',
    'Env:\n  my-var: 1\n',
    'Env:\n  E:\n',
    'Env:\n  M: {a: 1}\n',
    'Env: A=1\n',
    'Env: {A: "x\\ty"}\n',
    'Labels:\n  IO.SVC.role: x\n',
    'Labels:\n  "a b": x\n',
    'Labels:\n  "": x\n',
    'Labels: [io.svc.x=1]\n',
    'Labels: [=v]\n',
    'Labels: {a: "x\\ny"}\n',
    'Labels: web\n',
    'Volumes: ["/data"]\n',
    'Volumes: ["a:b:c:d"]\n',
    'Volumes: ["./rel:/data"]\n',
    'Volumes: ["x:/data"]\n',
    'Volumes: ["data:rel"]\n',
    'Volumes: ["data:/"]\n',
    'Volumes: ["data:/d:rx"]\n',
    'Volumes: "a1:/d"\n',
    'WorkingDir: app\n',
    'WorkingDir: "/a\\nb"\n',
    'NetMode: host\n',
    'StopSignal: 65\n',
    'StopSignal: 0\n',
    'StopSignal: "TERM\\r"\n',
    'SecurityGroups: [web, "bad name"]\n',
    'SecurityGroups: web\n',
    'FIP: 256.0.0.1\n',
    'FIP: "127.0.0.1\\n"\n',
    'Protocol: http\nHealthCheckPath: healthz\n',
    'Protocol: http\nHealthCheckPath: "/a b"\n',
    'Protocol: http\nHealthCheckPath: "/a\'b"\n',
    'StopTimeout: -1\n',
    'StopTimeout: "10"\n',
  ])('refuses %j', (extra) => {
    expect(svcAccepts(spec(extra))).toBe(false);
    expect(verdict(validateService, yamlValue(spec(extra)))).not.toBe(true);
  });

  it('refuses the many-problems fixture, an empty document and a missing required field', () => {
    const fixture = readFileSync(join(ROOT, 'test/spec/fixtures/many-problems.yaml'), 'utf8');
    expect(verdict(validateService, yamlValue(fixture))).not.toBe(true);
    expect(verdict(validateService, yamlValue(''))).not.toBe(true);
    expect(verdict(validateService, yamlValue('Name: web\nImage: nginx\n'))).toMatch(/ServicePort/);
  });

  // Refused by svc for rules a schema cannot say: the schema lets them through, svc does not.
  it.each([
    ['a container path mounted twice', 'Volumes: ["a1:/d", "b1:/d"]\n'],
    ['a group listed twice', 'SecurityGroups: [web, web]\n'],
    ['a variable given twice', 'Env: [A=1, A=3]\n'],
    ['a signal that does not exist', 'StopSignal: SIGTREM\n'],
    ['httpsTerm without a certificate', 'Protocol: httpsTerm\n'],
    ['a certificate that is not PEM', 'Protocol: httpsTerm\nSSLCert: not a pem\n'],
    ['one key in two spellings', 'Name: web\nname: other\n'],
    ['an HTTP check of a tcp service', 'HealthCheckPath: /healthz\n'],
  ])('leaves %s to svc', (_what, extra) => {
    expect(svcAccepts(spec(extra))).toBe(false);
    expect(verdict(validateService, yamlValue(spec(extra)))).toBe(true);
  });
});

describe('the service schema accepts what svc accepts', () => {
  it.each([
    'name: web\nIMAGE: nginx\nservicePort: 80\n',
    'Protocol: HTTP\nAlgorithm: LeastConn\nContainerSize: S2\nNetMode: Bridge\n',
    'Protocol: HTTPS\n',
    'Env: {A: 1, B: true, C: "x y"}\nLabels: [app=web, bare]\n',
    'Env: null\nLabels: null\nVolumes: null\nSecurityGroups: null\nCmd: null\nEntrypoint: null\n',
    'Entrypoint: ""\nCmd: echo "hi there"\n',
    'Cmd: [sh, -c, "echo $HOME"]\n',
    'Volumes: ["data:/var/lib/data", "/srv/www:/usr/share/nginx/html:ro", "v_1.x:/x:rw"]\n',
    'StopSignal: 9\nWorkingDir: /app\nFIP: "::1"\n',
    'StopSignal: sigkill\nFIP: ""\nWorkingDir: ""\n',
    'Replicas: 1000\nHealthCheckInterval: 3600\nHealthCheckFall: 100\nHealthCheckRise: 1\nContainerPort: 65535\n',
    'Tty: true\nStdin: false\nSessionAffinity: true\n',
    'Protocol: http\nHealthCheckPath: /healthz?full=1\nStopTimeout: 0\n',
    'Protocol: HTTP\nHealthCheckPath: ""\nStopTimeout: 86400\n',
  ])('%j', (extra) => {
    expect(svcAccepts(spec(extra))).toBe(true);
    expect(verdict(validateService, yamlValue(spec(extra)))).toBe(true);
  });

  it('takes Volumes and SecurityGroups in the object form of the original API too', () => {
    const text = `${spec('')}Volumes: {"data:/d": {}, "/srv:/s:ro": {}}\nSecurityGroups: {web: {}, office: }\n`;
    expect(verdict(validateService, yamlValue(text))).toBe(true);
    expect(verdict(validateService, yamlValue(`${spec('')}Volumes: {"data:rel": {}}\n`))).not.toBe(true);
    expect(verdict(validateService, yamlValue(`${spec('')}SecurityGroups: {web: {a: 1}}\n`))).not.toBe(true);
  });

  it('for every field and a corpus of values: svc accepts ⇒ the schema accepts', () => {
    const values: unknown[] = [
      ...[0, 1, 9, 64, 65, 80, 100, 101, 1000, 1001, 3600, 65535, 65536, -1, 1.5],
      ...[true, false, null, '', ' ', 'web', 'Web', 'nginx', 'nginx:1.27', 'a\nb', '80', 'two'],
      ...['http', 'HTTP', 'httpsTerm', 'tcp', 'source', 'LEASTCONN', 's1', 'L3', 'bridge', 'BRIDGE', 'host'],
      ...[
        'SIGTERM',
        'term',
        'HUP',
        '15',
        '/app',
        '/healthz?x=1',
        'app',
        '127.0.0.1',
        '0.0.0.0',
        '::1',
        '::ffff:10.0.0.1',
      ],
      ...[[], ['a'], ['A=1'], ['a', 1], ['x=1', 'y'], ['data:/d'], ['/srv:/x:ro'], ['web', 'office']],
      ...[{}, { A: '1' }, { A: 1 }, { A: true }, { A: null }, { 'a b': 'x' }, { a: 'x=y' }, { 'a=b': 'c' }],
      ...['echo hi', ['sh', '-c', 'x'], 'echo "unterminated', { 'data:/d': {} }],
    ];
    const fields = Object.keys((JSON.parse(schemaText('service')) as { properties: object }).properties);
    const missed: string[] = [];
    let accepted = 0;
    for (const field of fields) {
      for (const value of values) {
        const doc = { ...minimalSpec, [field]: value };
        if (!svcAccepts(JSON.stringify(doc))) continue;
        accepted++;
        const v = verdict(validateService, doc);
        if (v !== true) missed.push(`${field}: ${JSON.stringify(value)}: ${v}`);
      }
    }
    expect(missed).toEqual([]);
    expect(accepted).toBeGreaterThan(150);
  });
});

describe('the security group schema and parseSecurityGroup', () => {
  const sgAccepts = (text: string) => {
    try {
      parseSecurityGroup(parseSpecDocument('sg.yaml', text));
      return true;
    } catch (err) {
      if (err instanceof SpecError) return false;
      throw err;
    }
  };

  it.each([
    'name: web\ndescription: from the office\nrules:\n  - direction: Ingress\n    protocol: TCP\n    port_range_min: 80\n    remote_ip_prefix: 10.1.0.0/16\n  - direction: egress\n',
    'NAME: web\nRules:\n  - Direction: ingress\n    protocol: ""\n    remote_group_name: other\n',
    'name: web\nrules: null\ndescription: null\n',
  ])('both accept %j', (text) => {
    expect(sgAccepts(text)).toBe(true);
    expect(verdict(validateSecurityGroup, yamlValue(text))).toBe(true);
  });

  it.each([
    'name: "bad name"\n',
    'name: web\ndescriptoin: x\n',
    'name: web\nrules:\n  - direction: in\n',
    'name: web\nrules:\n  - direction: ingress\n    protocol: sctp\n',
    'name: web\nrules:\n  - 7\n',
    'name: web\nrules:\n  - protocol: tcp\n',
    'name: web\nrules:\n  - direction: ingress\n    port_range_min: 0\n',
    'name: web\nrules:\n  - direction: ingress\n    remote_ip_prefix: 10.0.0.0\n',
    'name: a\ndescription: "x\\ny"\n',
  ])('both refuse %j', (text) => {
    expect(sgAccepts(text)).toBe(false);
    expect(verdict(validateSecurityGroup, yamlValue(text))).not.toBe(true);
  });

  it.each([
    'name: web\nrules:\n  - direction: ingress\n    port_range_min: 90\n    port_range_max: 80\n',
    'name: web\nrules:\n  - direction: ingress\n    remote_ip_prefix: 10.0.0.1/8\n',
    'name: web\nrules:\n  - direction: ingress\n    protocol: icmp\n    port_range_min: 1\n',
    'name: web\nrules:\n  - direction: ingress\n    remote_ip_prefix: 10.0.0.0/8\n    remote_group_name: other\n',
  ])('leaves to svc %j', (text) => {
    expect(sgAccepts(text)).toBe(false);
    expect(verdict(validateSecurityGroup, yamlValue(text))).toBe(true);
  });
});
