import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isLoopback, parseListen } from '../../src/commands/serve.js';
import { KeyStore } from '../../src/server/keys.js';
import { KeyedQueue } from '../../src/server/locks.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { FIELD_NAMES } from '../../src/spec/field-names.js';

const TENANT = 'b8dc36865f4b480683dabb25598d61c4';

describe('KeyStore', () => {
  it('creates, lists, finds and removes keys in a 0600 file', () => {
    const store = new KeyStore(join(mkdtempSync(join(tmpdir(), 'svc-keys-')), 'nested'));
    expect(store.list()).toEqual([]);
    const a = store.create(TENANT);
    const b = store.create(TENANT.toUpperCase());
    expect(a.AccessKey).toMatch(/^[A-Z2-7]{20}$/);
    expect(a.SecretKey.length).toBeGreaterThanOrEqual(40);
    expect(b.Tenant).toBe(TENANT);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(store.byAccessKey(a.AccessKey)).toEqual(a);
    expect(store.byToken(b.SecretKey)).toEqual(b);
    expect(store.byToken('nope')).toBeUndefined();
    store.remove(a.AccessKey);
    expect(new KeyStore(store.dir).list().map((k) => k.AccessKey)).toEqual([b.AccessKey]);
    expect(() => store.remove(a.AccessKey)).toThrow(/no such access key/);
    expect(() => store.create('nothex')).toThrow(/32 hexadecimal/);
  });
});

describe('KeyedQueue', () => {
  it('runs one key at a time, different keys in parallel, and survives failures', async () => {
    const q = new KeyedQueue();
    const events: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const results = await Promise.allSettled([
      q.run('a', task('a1', 30, true)),
      q.run('a', task('a2', 5)),
      q.run('b', task('b1', 10)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(events.indexOf('start a2')).toBeGreaterThan(events.indexOf('end a1'));
    expect(events.indexOf('start b1')).toBeLessThan(events.indexOf('end a1'));
    await new Promise((r) => setTimeout(r, 0));
    expect(q.size).toBe(0);
  });
});

describe('serve flags', () => {
  it('--listen HOST:PORT', () => {
    expect(parseListen('127.0.0.1:8443')).toEqual({ host: '127.0.0.1', port: 8443 });
    expect(parseListen('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(() => parseListen('8443')).toThrow(/HOST:PORT/);
    expect(() => parseListen('h:99999')).toThrow(/HOST:PORT/);
  });

  it('plain HTTP only on loopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '::', 'example.com']) expect(isLoopback(h)).toBe(false);
  });
});

describe('openApiDocument', () => {
  it('is generated from SCHEMA: every field, the required ones, enums', () => {
    const doc = openApiDocument('0.1.0') as {
      openapi: string;
      components: {
        schemas: {
          ServiceSpec: { properties: Record<string, { type?: string; enum?: string[] }>; required: string[] };
        };
      };
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\./);
    const spec = doc.components.schemas.ServiceSpec;
    expect(Object.keys(spec.properties)).toEqual(FIELD_NAMES);
    expect(spec.required).toEqual(['Name', 'Image', 'ServicePort']);
    expect(spec.properties.Replicas?.type).toBe('integer');
    expect(spec.properties.Protocol?.enum).toContain('httpsTerm');
    expect(Object.keys(doc.paths)).toContain('/services/{name}/update');
  });

  it("writes the Service's Volumes and SecurityGroups as maps of entry → {}, and takes both forms", () => {
    // biome-ignore lint/suspicious/noExplicitAny: a generated document, checked field by field
    type Doc = { components: { schemas: Record<string, any> } };
    const { schemas } = (openApiDocument('0.1.0') as Doc).components;
    for (const field of ['Volumes', 'SecurityGroups']) {
      expect(schemas.Service.properties[field]).toMatchObject({
        type: 'object',
        additionalProperties: { type: 'object', maxProperties: 0 },
        nullable: true,
      });
      expect(schemas.ServiceSpec.properties[field].oneOf).toHaveLength(2);
    }
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['Info', 'Version', 'ImageInspect']));
  });
});
