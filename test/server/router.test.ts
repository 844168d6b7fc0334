import { describe, expect, it } from 'vitest';
import { route } from '../../src/server/router.js';

describe('route', () => {
  it('serves every endpoint bare and under any /vX.Y/ prefix', () => {
    for (const prefix of ['', '/v1.23', '/v1.41', '/v2.0']) {
      expect(route('POST', `${prefix}/services/create`)).toMatchObject({ name: 'services.create' });
      expect(route('GET', `${prefix}/services`)).toMatchObject({ name: 'services.list' });
      expect(route('GET', `${prefix}/services/web`)).toMatchObject({
        name: 'services.inspect',
        params: { name: 'web' },
      });
      expect(route('POST', `${prefix}/services/web/update`)).toMatchObject({
        name: 'services.update',
        params: { name: 'web' },
      });
      expect(route('DELETE', `${prefix}/services/web`)).toMatchObject({ name: 'services.remove' });
      expect(route('GET', `${prefix}/_ping`)).toMatchObject({ name: 'ping' });
      expect(route('HEAD', `${prefix}/_ping`)).toMatchObject({ name: 'ping' });
      expect(route('GET', `${prefix}/version`)).toMatchObject({ name: 'version' });
      expect(route('GET', `${prefix}/info`)).toMatchObject({ name: 'info' });
      expect(route('GET', `${prefix}/openapi.json`)).toMatchObject({ name: 'openapi' });
      expect(route('POST', `${prefix}/images/create`)).toMatchObject({ name: 'images.create' });
      expect(route('POST', `${prefix}/volumes/create`)).toMatchObject({ name: 'volumes.create' });
      expect(route('GET', `${prefix}/volumes`)).toMatchObject({ name: 'volumes.list' });
      expect(route('GET', `${prefix}/volumes/data`)).toMatchObject({
        name: 'volumes.inspect',
        params: { name: 'data' },
      });
      expect(route('DELETE', `${prefix}/volumes/data`)).toMatchObject({ name: 'volumes.remove' });
    }
    // A volume may be called create (as with docker): GET and DELETE reach it.
    expect(route('GET', '/volumes/create')).toMatchObject({
      name: 'volumes.inspect',
      params: { name: 'create' },
    });
    expect(route('GET', '/v1.23/services')).toMatchObject({ version: '1.23' });
    expect(route('GET', '/services')).not.toHaveProperty('version');
  });

  it('takes image names with slashes, tags and escapes', () => {
    expect(route('GET', '/v1.23/images/svc-test/http:local/json')).toMatchObject({
      name: 'images.inspect',
      params: { name: 'svc-test/http:local' },
    });
    expect(route('GET', '/images/svc-test%2Fhttp%3Alocal/json')).toMatchObject({
      params: { name: 'svc-test/http:local' },
    });
  });

  it('ignores a trailing slash', () => {
    expect(route('GET', '/services/')).toMatchObject({ name: 'services.list' });
  });

  it('answers 404 for unknown paths and 405 (with Allow) for a wrong method', () => {
    expect(route('GET', '/nope')).toEqual({ error: 404 });
    expect(route('GET', '/v1.23/services/a/b')).toEqual({ error: 404 });
    expect(route('GET', '/vx/services')).toEqual({ error: 404 });
    expect(route('GET', '/services/create')).toMatchObject({ name: 'services.inspect' });
    expect(route('PUT', '/services/web')).toEqual({ error: 405, allow: ['GET', 'DELETE'] });
    expect(route('GET', '/services/web/update')).toEqual({ error: 405, allow: ['POST'] });
    expect(route('POST', '/services/create')).toMatchObject({ name: 'services.create' });
    expect(route('POST', '/services/%E0%A4%A/update')).toEqual({ error: 404 });
  });
});
