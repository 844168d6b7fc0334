/**
 * Hostile values (newlines, `#`, quotes, spaces, braces, unicode, control characters, very long
 * strings, wrong types) through every field that can reach haproxy.cfg or the security-group
 * allow-list: each is either refused (a spec/group validation error, or HaproxyConfigError from
 * the renderer's own allow-lists) or gives a config with exactly the intended directives, which
 * the real `haproxy -c` accepts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SpecError } from '../../src/errors.js';
import { HaproxyConfigError, isCidr } from '../../src/haproxy/check-input.js';
import { renderAllowList, SETTLE_LUA } from '../../src/haproxy/render-config.js';
import { renderServerState } from '../../src/haproxy/server-state.js';
import { allowedSources } from '../../src/model/security-group.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { resolveSpec } from '../../src/spec/resolve-spec.js';
import { parseSecurityGroup } from '../../src/spec/security-group.js';
import type { ServiceSpec } from '../../src/spec/types.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { minimalSpec } from '../support/seed.js';
import {
  haproxyCheck,
  LIVE_PATHS,
  lbConfigFor,
  makeServers,
  makeSpec,
  renderConfig,
  replicaNumbers,
  tempDir,
} from './helpers.js';

const TENANT = '7e57f0220000000000000000000000aa';

/** A small seeded PRNG (mulberry32), so a failure replays. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  '\n',
  '\r',
  '\t',
  ' ',
  '#',
  '"',
  "'",
  '\\',
  '{',
  '}',
  '%[src]',
  '$' + '{HOME}', // HAProxy expands ${VAR} in some arguments
  '\0',
  '\u2028',
  'é',
  '🙂',
  '\u202e',
  ';',
  '/',
  ':',
  '.',
  '-',
  '_',
  'a',
  'Z',
  '0',
  '9',
];

const HOSTILE_STRINGS = [
  '',
  ' ',
  'web\nlisten evil\n    bind :1',
  'web\r\nbind :22',
  'web#comment',
  'web # x',
  '"web"',
  "'web'",
  'web x',
  'wéb',
  'web🙂',
  'a'.repeat(100_000),
  'web\0',
  'web\\',
  '$' + '{HOME}', // HAProxy expands ${VAR} in some arguments
  '%[src]',
  '{ src 0.0.0.0/0 }',
  'WEB',
  '-web',
  'web-',
  'tcp\n',
  ' http',
  'roundrobin\nbalance first',
  '10.0.0.0/8\n0.0.0.0/0',
  '10.0.0.0/8 0.0.0.0/0',
  '0.0.0.0/0#',
  '::/0\r',
  '80\nbind :81',
  '1e3',
  '0x50',
];

function randomStrings(n: number, seed: number): string[] {
  const rnd = prng(seed);
  return Array.from({ length: n }, () => {
    const len = Math.floor(rnd() * 12);
    return Array.from({ length: len }, () => NASTY[Math.floor(rnd() * NASTY.length)]).join('');
  });
}

const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  ...randomStrings(300, 42),
  0,
  -1,
  65536,
  1.5,
  Number.NaN,
  1e308,
  true,
  null,
  [],
  ['web'],
  {},
  { a: 1 },
];

/** The fields of a spec that reach haproxy.cfg (directly, or through server names and hosts). */
const CONFIG_FIELDS = [
  'Name',
  'ServicePort',
  'ContainerPort',
  'Protocol',
  'Algorithm',
  'SessionAffinity',
  'HealthCheckInterval',
  'HealthCheckFall',
  'HealthCheckRise',
  'Replicas',
  'SecurityGroups',
  'HealthCheckPath',
] as const;

/** A path field gets every hostile value also as a path (most are refused for not being one). */
const valuesFor = (field: string): unknown[] =>
  field === 'HealthCheckPath'
    ? [
        ...HOSTILE_VALUES,
        ...HOSTILE_VALUES.flatMap((v) => (typeof v === 'string' ? [`/${v}`, `/a?${v}`] : [])),
      ]
    : HOSTILE_VALUES;

/** A request whose every config field is the fuzzed one or a valid value. */
const BASE = { ...minimalSpec, ServicePort: 8080, ContainerPort: 80, Protocol: 'http', Replicas: 2 };

function resolveJson(doc: Record<string, unknown>): ServiceSpec {
  return resolveSpec({ file: parseSpecDocument('fuzz.json', JSON.stringify(doc)) });
}

/** Every line's shape: the directive with numbers, names and addresses abstracted away. */
function shape(cfg: string): string[] {
  return cfg
    .split('\n')
    .filter((l) => !l.startsWith('#'))
    .map((l) => l.replace(/ uri \S+ /, ' uri P ').replace(/\d+/g, 'N'));
}

/** What a config may contain at all: printable ASCII, `#` only in comment lines. */
function expectCleanText(cfg: string): void {
  expect(cfg).toMatch(/^[\x20-\x7e\n]*$/);
  for (const line of cfg.split('\n')) if (!line.startsWith('#')) expect(line).not.toContain('#');
}

const tmp = tempDir('svc-haproxy-fuzz-');
afterAll(() => tmp.cleanup());
/** Accepted configs to give to the real haproxy -c, one per distinct shape. */
const accepted = new Map<string, { cfg: string; spec: ServiceSpec }>();

describe('hostile values through the spec', () => {
  for (const field of CONFIG_FIELDS) {
    it(`${field}: refused, or exactly the intended directives`, () => {
      let refused = 0;
      for (const value of valuesFor(field)) {
        const v = field === 'SecurityGroups' && !Array.isArray(value) ? [value] : value;
        let spec: ServiceSpec;
        try {
          spec = resolveJson({ ...BASE, [field]: v });
        } catch (err) {
          expect(err).toBeInstanceOf(SpecError);
          refused++;
          continue;
        }
        const cfg = lbConfigFor(spec, TENANT, replicaNumbers(spec.Replicas));
        expectCleanText(cfg);
        expect(spec.Name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
        // The same directives as the config of the baseline spec with this spec's choices.
        const baseline = lbConfigFor(
          makeSpec({
            Name: spec.Name,
            Protocol: spec.Protocol,
            Algorithm: spec.Algorithm,
            SessionAffinity: spec.SessionAffinity,
            SecurityGroups: spec.SecurityGroups,
            Replicas: spec.Replicas,
            SSLCert: spec.SSLCert,
            HealthCheckPath: spec.HealthCheckPath ? '/x' : '',
          }),
          TENANT,
          replicaNumbers(spec.Replicas),
        );
        expect(shape(cfg)).toEqual(shape(baseline));
        const key = shape(cfg).join('\n');
        if (!accepted.has(key) && accepted.size < 8) accepted.set(key, { cfg, spec });
      }
      expect(refused).toBeGreaterThan(0);
    });
  }
});

describe('hostile values given to the renderer directly (validation bypassed)', () => {
  const fields = [...CONFIG_FIELDS.filter((f) => f !== 'Replicas')] as const;
  for (const field of fields) {
    it(`${field}: HaproxyConfigError, or a value inside the renderer's allow-list`, () => {
      for (const value of valuesFor(field)) {
        const spec = { ...makeSpec(), [field]: value } as ServiceSpec;
        let cfg: string;
        try {
          cfg = renderConfig(spec, makeServers(2));
        } catch (err) {
          expect(err).toBeInstanceOf(HaproxyConfigError);
          continue;
        }
        expectCleanText(cfg);
        expect(
          cfg.split('\n').filter((l) => l.startsWith('frontend ') || l.startsWith('backend ')),
        ).toHaveLength(2);
        expect(cfg.split('\n').filter((l) => /^\s*bind /.test(l))).toHaveLength(1);
        if (field === 'HealthCheckPath' && value !== '')
          expect(cfg.split('\n').filter((l) => l.includes(` uri ${value as string} `))).toEqual([
            `    http-check send meth GET uri ${value as string} ver HTTP/1.1 hdr Host web`,
          ]);
      }
    });
  }
  it('cert and allow-list paths: HaproxyConfigError, or named once in the intended line', () => {
    const paths = [
      ...HOSTILE_VALUES,
      ...HOSTILE_VALUES.map((v) => (typeof v === 'string' ? `/etc/${v}` : v)),
    ];
    let kept = 0;
    for (const value of paths) {
      for (const key of ['cert', 'allow'] as const) {
        const spec = makeSpec({ Protocol: 'httpsTerm', SecurityGroups: ['g'] });
        let cfg: string;
        try {
          cfg = renderConfig(spec, makeServers(2), { ...LIVE_PATHS, [key]: value as string });
        } catch (err) {
          expect(err).toBeInstanceOf(HaproxyConfigError);
          continue;
        }
        expectCleanText(cfg);
        expect(value).toMatch(/^\/[A-Za-z0-9_./-]+$/);
        const named = cfg.split('\n').filter((l) => l.includes(` ${value as string} `));
        expect(named).toHaveLength(1);
        expect(named[0]).toMatch(
          key === 'cert' ? /^ {4}bind :\d+ ssl crt / : /^ {4}tcp-request connection reject/,
        );
        kept++;
      }
    }
    expect(kept).toBeGreaterThan(0); // the harmless ones (`/etc/web-`, `/etc/.`, …) go through
  });
  it('server names, hosts and ports: HaproxyConfigError, or one server line each', () => {
    for (const value of HOSTILE_VALUES) {
      for (const key of ['name', 'host', 'port'] as const) {
        const servers = makeServers(2);
        (servers[0] as unknown as Record<string, unknown>)[key] = value;
        let cfg: string;
        try {
          cfg = renderConfig(makeSpec(), servers);
        } catch (err) {
          expect(err).toBeInstanceOf(HaproxyConfigError);
          continue;
        }
        expectCleanText(cfg);
        expect(cfg.split('\n').filter((l) => /^\s*server /.test(l))).toHaveLength(2);
      }
    }
  });
});

describe('hostile values through security groups', () => {
  it('remote_ip_prefix: refused, or only CIDRs reach the allow-list', () => {
    for (const value of [...HOSTILE_VALUES, '10.0.0.0/8', 'FD00::/8', '0.0.0.0/0']) {
      const doc = { name: 'g', rules: [{ direction: 'ingress', protocol: 'tcp', remote_ip_prefix: value }] };
      let sources: string[];
      try {
        const g = parseSecurityGroup(parseSpecDocument('sg.json', JSON.stringify(doc)));
        sources = allowedSources([g], 80);
      } catch (err) {
        expect(err).toBeInstanceOf(SpecError);
        continue;
      }
      for (const s of sources) expect(isCidr(s)).toBe(true);
      const file = renderAllowList(sources);
      expectCleanText(file);
      expect(file.split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([...new Set(sources)].sort());
    }
  });
  it('name and description never reach a config; hostile ones are refused or kept as data', () => {
    for (const value of HOSTILE_VALUES) {
      for (const key of ['name', 'description'] as const) {
        const doc = { name: 'g', [key]: value };
        try {
          const g = parseSecurityGroup(parseSpecDocument('sg.json', JSON.stringify(doc)));
          if (key === 'name') expect(g.name).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/);
          else expect(g.description).not.toMatch(/[\n\r\0\u2028]/);
        } catch (err) {
          expect(err).toBeInstanceOf(SpecError);
        }
      }
    }
  });
  it('renderAllowList itself refuses anything but a CIDR', () => {
    for (const value of HOSTILE_VALUES) {
      if (isCidr(value)) continue;
      expect(() => renderAllowList([value as string])).toThrow(HaproxyConfigError);
    }
  });
});

describe('accepted configs pass the real haproxy -c', () => {
  let certs: TestCerts;
  beforeAll(() => {
    certs = makeCerts();
  });
  afterAll(() => certs.cleanup());

  it('every distinct shape found above', () => {
    expect(accepted.size).toBeGreaterThan(2);
    const allow = join(tmp.dir, 'allow');
    writeFileSync(allow, renderAllowList(['10.0.0.0/8', '::1/128']));
    const state = join(tmp.dir, 'server-state');
    writeFileSync(state, renderServerState([]));
    const settle = join(tmp.dir, 'settle.lua');
    writeFileSync(settle, SETTLE_LUA);
    for (const [i, { cfg }] of [...accepted.values()].entries()) {
      const text = cfg
        .replace(LIVE_PATHS.cert, certs.leaf.pemFile)
        .replace(LIVE_PATHS.allow, allow)
        .replace(LIVE_PATHS.state as string, state)
        .replace(LIVE_PATHS.settle as string, settle);
      const file = join(tmp.dir, `fuzz-${i}.cfg`);
      writeFileSync(file, text);
      const r = haproxyCheck(file);
      expect(r.status, r.output).toBe(0);
      expect(r.unexpected, r.output).toEqual([]);
    }
  }, 120_000);
});
