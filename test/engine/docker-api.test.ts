import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDemuxer,
  DockerApi,
  DockerApiError,
  pathPart,
  resolveEndpoint,
  splitImageRef,
} from '../../src/engine/docker-api.js';

describe('resolveEndpoint', () => {
  // No docker config of the machine's: its current context would otherwise apply.
  const NO_CONFIG = { DOCKER_CONFIG: mkdtempSync(join(tmpdir(), 'svc-docker-config-')) };

  it('uses the local socket when DOCKER_HOST is unset or empty', () => {
    expect(resolveEndpoint(NO_CONFIG)).toMatchObject({ socketPath: '/var/run/docker.sock' });
    expect(resolveEndpoint({ ...NO_CONFIG, DOCKER_HOST: ' ' })).toMatchObject({
      socketPath: '/var/run/docker.sock',
    });
  });

  it('reads unix:// and tcp:// like the docker CLI', () => {
    expect(resolveEndpoint({ DOCKER_HOST: 'unix:///run/user/1000/docker.sock' })).toMatchObject({
      socketPath: '/run/user/1000/docker.sock',
      display: 'DOCKER_HOST=unix:///run/user/1000/docker.sock',
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' })).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }).tls).toBeUndefined();
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://dockerhost' })).toMatchObject({
      host: 'dockerhost',
      port: 2375,
    });
    expect(resolveEndpoint({ DOCKER_HOST: 'tcp://[::1]:2375' })).toMatchObject({ host: '::1', port: 2375 });
  });

  it('uses TLS with the certificates of DOCKER_CERT_PATH when DOCKER_TLS_VERIFY is set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'svc-certs-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA');
      writeFileSync(join(dir, 'cert.pem'), 'CERT');
      writeFileSync(join(dir, 'key.pem'), 'KEY');
      const e = resolveEndpoint({
        DOCKER_HOST: 'tcp://remote',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: dir,
      });
      expect(e.port).toBe(2376);
      expect(e.tls?.rejectUnauthorized).toBe(true);
      expect(e.tls?.ca?.toString()).toBe('CA');
      expect(e.tls?.key?.toString()).toBe('KEY');
      const unverified = resolveEndpoint({
        DOCKER_HOST: 'tcp://remote:2376',
        DOCKER_TLS: '1',
        DOCKER_CERT_PATH: dir,
      });
      expect(unverified.tls?.rejectUnauthorized).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what it cannot speak, saying how to reach an ssh engine', () => {
    expect(() => resolveEndpoint({ DOCKER_HOST: 'ssh://me@box' })).toThrow(/ssh -nNT -L/);
    expect(() => resolveEndpoint({ DOCKER_HOST: 'fd://' })).toThrow(/unsupported DOCKER_HOST=fd:\/\//);
  });
});

describe('splitImageRef', () => {
  it.each([
    ['nginx', 'nginx', 'latest'],
    ['nginx:1.27', 'nginx', '1.27'],
    ['localhost:5000/app', 'localhost:5000/app', 'latest'],
    ['localhost:5000/app:2', 'localhost:5000/app', '2'],
    ['app@sha256:abc', 'app', 'sha256:abc'],
  ])('%s → %s + %s', (ref, fromImage, tag) => {
    expect(splitImageRef(ref)).toEqual({ fromImage, tag });
  });
});

describe('pathPart', () => {
  it('keeps an image reference readable and escapes the rest', () => {
    expect(pathPart('svc-test/http:local')).toBe('svc-test/http:local');
    expect(pathPart('a b?c#d')).toBe('a%20b%3Fc%23d');
  });
});

describe('createDemuxer', () => {
  const frame = (stream: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('splits stdout and stderr frames, also when reads cut headers and payloads apart', () => {
    const all = Buffer.concat([frame(1, 'out one\n'), frame(2, 'err\n'), frame(1, 'out two\n')]);
    for (let cut = 1; cut < all.length; cut++) {
      const got: string[] = [];
      const d = createDemuxer((s, c) => got.push(`${s}:${c.toString()}`));
      d.write(all.subarray(0, cut));
      d.write(all.subarray(cut));
      expect(got.join('')).toBe('stdout:out one\nstderr:err\nstdout:out two\n');
    }
  });
});

describe('DockerApi over a socket', () => {
  let server: http.Server;
  let dir: string;
  let api: DockerApi;
  const seen: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'svc-api-'));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''} ${body}`);
        if (req.url?.startsWith('/containers/missing')) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"message":"No such container: missing"}');
        } else if (req.url === '/plain-error') {
          res.writeHead(500);
          res.end('boom\n');
        } else if (req.url === '/empty') {
          res.writeHead(204);
          res.end();
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: true }));
        }
      });
    });
    await new Promise<void>((r) => server.listen(join(dir, 'docker.sock'), r));
    api = new DockerApi(resolveEndpoint({ DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` }));
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends JSON bodies and encodes filters as the engine expects', async () => {
    await expect(
      api.json('POST', '/containers/create', { query: { name: 'web-1', all: true }, body: { Image: 'x' } }),
    ).resolves.toEqual({ ok: true });
    await api.json('GET', '/containers/json', { query: { filters: { label: ['a=b'] }, tail: undefined } });
    expect(seen).toContain('POST /containers/create?name=web-1&all=1 application/json {"Image":"x"}');
    expect(seen).toContain(`GET /containers/json?filters=${encodeURIComponent('{"label":["a=b"]}')}  `);
  });

  it("turns error answers into DockerApiError with the engine's status and message", async () => {
    const err = await api.json('GET', '/containers/missing/json').catch((e) => e);
    expect(err).toBeInstanceOf(DockerApiError);
    expect(err).toMatchObject({ statusCode: 404, message: 'No such container: missing' });
    await expect(api.json('GET', '/plain-error')).rejects.toMatchObject({ statusCode: 500, message: 'boom' });
    await expect(api.json('GET', '/empty')).resolves.toBeUndefined();
    await expect(api.status('GET', '/empty')).resolves.toBe(204);
  });

  it('reports an unreachable socket with its error code', async () => {
    const gone = new DockerApi(resolveEndpoint({ DOCKER_HOST: `unix://${join(dir, 'nothing.sock')}` }));
    await expect(gone.json('GET', '/_ping')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
