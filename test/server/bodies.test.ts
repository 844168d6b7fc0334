import { describe, expect, it } from 'vitest';
import { SpecError, UsageError } from '../../src/errors.js';
import {
  parseBoolParam,
  parseFiltersParam,
  parseJsonBody,
  parseKeepParam,
  parseUpdateBody,
  specFromCreateBody,
} from '../../src/server/bodies.js';
import { jsonSyntaxError } from '../../src/server/json-syntax.js';

function specError(f: () => unknown): SpecError {
  try {
    f();
  } catch (err) {
    if (err instanceof SpecError) return err;
    throw err;
  }
  throw new Error('no SpecError');
}

describe('JSON bodies', () => {
  it('valid JSON has no syntax error', () => {
    for (const t of ['{}', '{"a":[1,-2.5e3,true,false,null,"x\\n\\u00e9"]}', ' [ ] ', '"s"', '0']) {
      expect(jsonSyntaxError(t)).toBeUndefined();
    }
  });

  it('malformed JSON is a 400 with line:col', () => {
    const cases: Array<[string, string]> = [
      ['{"Name": tru}', '<body>:1:10'],
      ['{\n  "Name": "web",\n  "Replicas": 2,\n}', '<body>:4:1'],
      ['{"a":1', '<body>:1:7'],
      ['{"a" 1}', '<body>:1:6'],
      ['{"a":1} x', '<body>:1:9'],
      ["{'a':1}", '<body>:1:2'],
    ];
    for (const [text, at] of cases) {
      expect(() => parseJsonBody(text)).toThrow(UsageError);
      expect(() => parseJsonBody(text)).toThrow(`malformed JSON at ${at}:`);
    }
    expect(() => parseJsonBody('  ')).toThrow(/empty/);
  });
});

describe('create bodies in the original shape', () => {
  it('ignores the output-only fields, takes keyed Volumes/SecurityGroups and ContainerPort 0', () => {
    const spec = specFromCreateBody(
      JSON.stringify({
        Name: 'http',
        Image: 'nginx',
        ContainerPort: 0,
        ServicePort: 8080,
        Replicas: 2,
        Protocol: 'http',
        Labels: { app: 'nginx' },
        Volumes: { 'data:/d': {}, '/srv:/s:ro': {} },
        SecurityGroups: { web: {}, office: null },
        IP: '',
        Message: '',
        Status: '',
        Containers: null,
        Tenant: 'b8dc36865f4b480683dabb25598d61c4',
        Created: '2016-10-08T13:12:15.405946064Z',
      }),
    );
    expect(spec).toMatchObject({
      Name: 'http',
      ServicePort: 8080,
      ContainerPort: 8080,
      Replicas: 2,
      Volumes: ['data:/d', '/srv:/s:ro'],
      Labels: { app: 'nginx' },
      SecurityGroups: ['web', 'office'],
    });
  });

  it("takes svc's own fields too (HealthCheckPath, StopTimeout), checked as in a spec file", () => {
    const body = {
      Name: 'web',
      Image: 'nginx',
      ServicePort: 80,
      Protocol: 'http',
      HealthCheckPath: '/healthz',
    };
    expect(specFromCreateBody(JSON.stringify({ ...body, StopTimeout: 30 }))).toMatchObject({
      HealthCheckPath: '/healthz',
      StopTimeout: 30,
    });
    expect(
      specFromCreateBody(JSON.stringify({ Name: 'web', Image: 'nginx', ServicePort: 80 })),
    ).toMatchObject({
      HealthCheckPath: '',
      StopTimeout: 10,
    });
    const err = specError(() => specFromCreateBody(JSON.stringify({ ...body, Protocol: 'tcp' })));
    expect(err.status).toBe(400);
    expect(err.issues.map((i) => i.path)).toEqual(['HealthCheckPath']);
  });

  it('lists every problem, with where it stands in the body', () => {
    const err = specError(() =>
      specFromCreateBody(
        '{\n  "Name": "Web",\n  "ServicePort": "80",\n  "Replica": 2,\n  "Volumes": {"bad": {}}\n}',
      ),
    );
    expect(err.status).toBe(400);
    expect(err.issues.map((i) => [i.path, i.location])).toEqual(
      expect.arrayContaining([
        ['Name', '<body>:2:11'],
        ['ServicePort', '<body>:3:18'],
        ['Replica', '<body>:4:3'],
        ['Volumes.bad', '<body>:5:15'],
        ['Image', undefined],
      ]),
    );
  });

  it('a body that is not an object is a 400', () => {
    expect(() => specFromCreateBody('[1]')).toThrow(
      /expected a mapping of fields at the top level, got list/,
    );
  });
});

describe('update bodies', () => {
  it('each field optional, null = unchanged, "" FIP detaches', () => {
    expect(parseUpdateBody('{"Replicas":3}')).toEqual({ replicas: 3 });
    expect(parseUpdateBody('{"Replicas":0,"Image":"svc-test/http:local","FIP":"127.0.0.1"}')).toEqual({
      replicas: 0,
      image: 'svc-test/http:local',
      fip: '127.0.0.1',
    });
    expect(parseUpdateBody('{"Replicas":null,"Image":null,"FIP":null}')).toEqual({});
    expect(parseUpdateBody('{"FIP":""}')).toEqual({ fip: '' });
  });

  it('every problem at once', () => {
    const err = specError(() =>
      parseUpdateBody('{"Replicas":"3","Image":"Bad Image","FIP":"nope","Name":"x"}'),
    );
    expect(err.issues.map((i) => i.path).sort()).toEqual(['FIP', 'Image', 'Name', 'Replicas']);
    expect(specError(() => parseUpdateBody('{"Replicas":1001}')).message).toMatch(/between 0 and 1000/);
  });
});

describe('filters', () => {
  it('maps of lists and maps of value → true, as docker', () => {
    expect(parseFiltersParam(null)).toEqual({ names: [], labels: [], statuses: [] });
    expect(parseFiltersParam('{"name":["web","api"]}').names).toEqual(['web', 'api']);
    expect(parseFiltersParam('{"name":{"web":true,"off":false}}').names).toEqual(['web']);
    expect(parseFiltersParam('{"label":["tier=front"],"status":["active"]}')).toEqual({
      names: [],
      labels: [{ key: 'tier', value: 'front' }],
      statuses: ['active'],
    });
  });

  it('bad filters are a 400', () => {
    expect(() => parseFiltersParam('{')).toThrow(/not JSON/);
    expect(() => parseFiltersParam('["name"]')).toThrow(/map of lists/);
    expect(() => parseFiltersParam('{"colour":["red"]}')).toThrow(/unknown filter/);
    expect(() => parseFiltersParam('{"name":[1]}')).toThrow(/strings/);
    expect(() => parseFiltersParam('{"status":["sleepy"]}')).toThrow(/status is one of/);
  });
});

describe('the keep parameter of DELETE', () => {
  const keep = (q: string) => parseKeepParam(new URLSearchParams(q));
  it('true/1/yes keep the replicas; absent, false/0/no do not', () => {
    for (const q of ['keep=true', 'keep=1', 'keep=yes', 'keep=TRUE']) expect(keep(q), q).toBe(true);
    for (const q of ['', 'keep=', 'keep=false', 'keep=0', 'keep=no']) expect(keep(q), q).toBe(false);
  });
  it("ignores the original client's keey=yes, sent on every rm", () => {
    expect(keep('keey=yes')).toBe(false);
  });
  it('refuses anything else (400)', () => {
    expect(() => keep('keep=maybe')).toThrow(/keep: expected true or false, got "maybe"/);
  });
  it('DELETE ?volumes= reads the same way', () => {
    expect(parseBoolParam(new URLSearchParams('volumes=true'), 'volumes')).toBe(true);
    expect(parseBoolParam(new URLSearchParams(''), 'volumes')).toBe(false);
    expect(() => parseBoolParam(new URLSearchParams('volumes=all'), 'volumes')).toThrow(/volumes: expected/);
  });
});
