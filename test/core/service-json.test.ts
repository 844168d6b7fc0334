import { describe, expect, it } from 'vitest';
import { rfc3339Nano, toServiceJson } from '../../src/core/service-json.js';
import { SEED_KEYS, SERVICE_KEYS, seedSpec } from '../support/seed.js';

describe('toServiceJson', () => {
  it("has the seed response fields in the seed order, then svc's own", () => {
    const json = toServiceJson(seedSpec, {
      tenant: 'b8dc36865f4b480683dabb25598d61c4',
      ip: '',
      created: '2016-10-08T13:12:15.405946064Z',
      status: 'created',
      message: 'Service is created',
      containers: null,
    });
    expect(Object.keys(json)).toEqual(SERVICE_KEYS);
    expect(Object.keys(json).slice(0, SEED_KEYS.length)).toEqual(SEED_KEYS);
    // The seed's example response, value for value: the seed's spec and the service's state.
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      ...seedSpec,
      IP: '',
      Tenant: 'b8dc36865f4b480683dabb25598d61c4',
      FIP: '',
      Message: 'Service is created',
      Created: '2016-10-08T13:12:15.405946064Z',
      Status: 'created',
      Containers: null,
    });
  });

  it("writes Volumes and SecurityGroups as the original API's map of entry → {}", () => {
    const base = {
      tenant: 't',
      ip: '',
      created: 'c',
      status: 'created' as const,
      message: 'm',
      containers: null,
    };
    const spec = { ...seedSpec, Volumes: ['data:/d:ro', '/srv:/s'], SecurityGroups: ['web', 'office'] };
    const json = toServiceJson(spec, base);
    expect(JSON.stringify(json.Volumes)).toBe('{"data:/d:ro":{},"/srv:/s":{}}');
    expect(JSON.stringify(json.SecurityGroups)).toBe('{"web":{},"office":{}}');
    expect(toServiceJson({ ...spec, Volumes: [], SecurityGroups: null }, base)).toMatchObject({
      Volumes: null,
      SecurityGroups: null,
    });
  });

  it('lists replica container IDs and prints an empty list as null', () => {
    const base = { tenant: 't', ip: '172.18.0.2', created: 'c', status: 'created' as const, message: 'm' };
    expect(toServiceJson(seedSpec, { ...base, containers: ['a', 'b'] }).Containers).toEqual(['a', 'b']);
    expect(toServiceJson(seedSpec, { ...base, containers: [] }).Containers).toBeNull();
  });
});

describe('rfc3339Nano', () => {
  it('writes UTC with nine fractional digits', () => {
    expect(rfc3339Nano(new Date('2016-10-08T13:12:15.405Z'), 946064)).toBe('2016-10-08T13:12:15.405946064Z');
    expect(rfc3339Nano(new Date('2016-10-08T13:12:15.405Z'), 7)).toBe('2016-10-08T13:12:15.405000007Z');
    expect(rfc3339Nano()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });
});
