/**
 * `svc serve`: the original Service API over HTTP(S) on the same core as the CLI. A small layer on
 * node:http: routing (router.ts), bodies (bodies.ts), authentication (signing.ts, keys.ts), and
 * handlers that call the very functions the commands call.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { findService, observe } from '../core/observe.js';
import { inspectServices, listServices } from '../core/reads.js';
import { removeServices } from '../core/remove.js';
import { type Core, createService, rollingUpdate, scaleService, setFip } from '../core/services.js';
import type { Engine } from '../engine/engine.js';
import { NotFoundError, UsageError } from '../errors.js';
import { LbDriver } from '../lb/driver.js';
import { type Backend, labelFilter } from '../model/naming.js';
import { resolveField } from '../spec/resolve-spec.js';
import { parseFiltersParam, parseKeepParam, parseUpdateBody, specFromCreateBody } from './bodies.js';
import { drain, errorReply, HttpError, header, json, type Reply, readBody, requireJson } from './http.js';
import { authenticate, type KeyStore } from './keys.js';
import { KeyedQueue } from './locks.js';
import { openApiDocument } from './openapi.js';
import { PUBLIC_ROUTES, type Route, route } from './router.js';
import { API_VERSION, imageAnswer, infoAnswer, versionAnswer } from './system.js';

export { BODY_LIMIT } from './http.js';
export { API_VERSION } from './system.js';

export interface ServerOptions {
  engine: Engine;
  keys: KeyStore;
  lbImage: string;
  /** Where created services run (local containers, or swarm services). */
  backend?: Backend;
  /** svc's version, for /version. */
  version: string;
  /** Given: HTTPS with these; absent: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  /** One access-log line (an object, written as JSON) per request. */
  log: (entry: Record<string, unknown>) => void;
  /** How long create/update/remove may wait for replicas (ms). */
  timeoutMs?: number;
  /** The clock, for signature dates (tests). */
  now?: () => number;
}

export class ApiServer {
  readonly server: http.Server;
  private readonly queue = new KeyedQueue();
  private readonly lb: LbDriver;
  private shuttingDown = false;
  private readonly inFlight = new Set<http.ServerResponse>();

  constructor(private readonly opts: ServerOptions) {
    this.lb = new LbDriver(opts.engine);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        // Only writing the answer can fail here (the client went away): drop the connection.
        res.destroy(err instanceof Error ? err : undefined);
      });
    };
    this.server = opts.tls
      ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, handler)
      : http.createServer(handler);
    // Against slow clients: the headers within 10 s, the whole request within 60 s; idle
    // keep-alive connections closed after 5 s. (Slow answers, e.g. a create, are not limited.)
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 60_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.timeout = 0;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stop taking connections and requests; resolves once those in flight are answered. */
  close(): Promise<void> {
    this.shuttingDown = true;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }

  /** Drop every connection now (a second signal). */
  closeNow(): void {
    this.server.closeAllConnections();
  }

  get busy(): number {
    return this.inFlight.size;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const rawUrl = req.url ?? '/';
    const entry: Record<string, unknown> = {
      time: new Date().toISOString(),
      remote: (req.socket as Socket).remoteAddress,
      method: req.method,
      url: rawUrl,
    };
    this.inFlight.add(res);
    res.on('close', () => {
      this.inFlight.delete(res);
      entry.status = res.statusCode;
      entry.ms = Number((process.hrtime.bigint() - started) / 1000n) / 1000;
      if (!res.writableFinished) entry.aborted = true;
      this.opts.log(entry);
      if (this.shuttingDown) this.server.closeIdleConnections();
    });
    if (this.shuttingDown) res.setHeader('Connection', 'close');
    let reply: Reply | undefined;
    try {
      if (this.shuttingDown) throw new HttpError(503, 'the server is shutting down');
      const q = rawUrl.indexOf('?');
      const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
      const query = q < 0 ? '' : rawUrl.slice(q + 1);
      const r = route(req.method ?? 'GET', path);
      if ('error' in r) {
        req.resume();
        if (r.error === 405)
          throw new HttpError(405, `method ${req.method} not allowed on ${path}`, {
            Allow: (r.allow ?? []).join(', '),
          });
        throw new HttpError(404, `page not found: ${req.method} ${path}`);
      }
      entry.route = r.name;
      const body = await readBody(req);
      if (!PUBLIC_ROUTES.has(r.name)) {
        const key = authenticate(this.opts.keys, (n) => header(req, n), {
          method: req.method ?? 'GET',
          path,
          query,
          body,
          now: (this.opts.now ?? Date.now)(),
        });
        entry.accessKey = key.accessKey;
        entry.tenant = key.tenant;
      }
      reply = await this.dispatch(r, req, res, new URLSearchParams(query), body, entry.tenant as string);
    } catch (err) {
      reply = errorReply(err);
      // The rest of a too-large body is read and dropped (within requestTimeout), so that the
      // client, still sending, gets the 413 rather than a broken pipe.
      if (reply.status === 413) await drain(req, 10_000);
      if (reply.status >= 500 || reply.status === 400)
        entry.error = (JSON.parse(reply.body ?? '{}') as { message?: string }).message;
    }
    if (!reply) return; // streamed
    if (res.headersSent) {
      // A stream failed half-way: say so in it, as docker does.
      if (reply.status >= 400 && !res.writableEnded) {
        const message = (JSON.parse(reply.body ?? '{}') as { message?: string }).message ?? 'failed';
        res.end(`${JSON.stringify({ error: message, errorDetail: { message } })}\n`);
      }
      return;
    }
    const headers: Record<string, string> = { ...reply.headers, 'Api-Version': API_VERSION };
    // Shutting down since the request came: its connection ends with this answer.
    if (this.shuttingDown) headers.Connection = 'close';
    if (reply.type) headers['Content-Type'] = reply.type;
    res.writeHead(reply.status, headers);
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  /** What the core operations act on, for one key's tenant. */
  private core(tenant: string): Core {
    return { engine: this.opts.engine, lb: this.lb, tenant };
  }

  private locked<T>(tenant: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(`${tenant}/${name}`, fn);
  }

  private async dispatch(
    r: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    params: URLSearchParams,
    body: Buffer,
    tenant: string,
  ): Promise<Reply | undefined> {
    const { engine } = this.opts;
    const timeoutMs = this.opts.timeoutMs ?? 120_000;
    const name = r.params.name ?? '';
    switch (r.name) {
      case 'ping':
        return { status: 200, body: 'OK', type: 'text/plain; charset=utf-8' };
      case 'openapi':
        return json(200, openApiDocument(this.opts.version));
      case 'version':
        return json(200, versionAnswer(this.opts.version));
      case 'info':
        return json(200, await this.info(tenant));
      case 'services.create': {
        requireJson(req);
        const spec = specFromCreateBody(body.toString('utf8'));
        const wait = ['1', 'true'].includes(params.get('wait') ?? '');
        const result = await this.locked(tenant, spec.Name, () =>
          createService(this.core(tenant), spec, {
            lbImage: this.opts.lbImage,
            pull: 'missing',
            wait,
            timeoutMs,
            backend: this.opts.backend,
          }),
        );
        return json(201, result.service);
      }
      case 'services.list': {
        const list = await listServices(this.core(tenant), parseFiltersParam(params.get('filters')));
        return json(
          200,
          list.map((l) => l.service),
        );
      }
      case 'services.inspect':
        return json(200, await this.inspectOne(tenant, name));
      case 'services.update':
        requireJson(req);
        return json(200, await this.update(tenant, name, body.toString('utf8')));
      case 'services.remove':
        await this.remove(tenant, name, params);
        return { status: 204 };
      case 'images.inspect': {
        const image = await engine.inspectImage(name);
        if (!image) throw new NotFoundError(`no such image: ${name}`);
        return json(200, imageAnswer(image));
      }
      case 'images.create':
        return this.pull(params, res);
    }
  }

  /** POST /services/{name}/update: the FIP, then the image, then the replicas; the Service after. */
  private update(tenant: string, name: string, text: string) {
    const { engine } = this.opts;
    const timeoutMs = this.opts.timeoutMs ?? 120_000;
    const update = parseUpdateBody(text);
    const core = this.core(tenant);
    return this.locked(tenant, name, async () => {
      findService(await observe(engine, tenant), name); // 404 before anything else
      // FIP first: its conflict (409) stops the update before anything changed.
      if (update.fip !== undefined) await setFip(core, name, update.fip, { timeoutMs });
      if (update.image !== undefined) await rollingUpdate(core, name, { image: update.image }, { timeoutMs });
      if (update.replicas !== undefined) await scaleService(core, name, update.replicas, { timeoutMs });
      return this.inspectOne(tenant, name);
    });
  }

  /** DELETE /services/{name}: `keep` read as parseKeepParam says (`keey` ignored). */
  private async remove(tenant: string, name: string, params: URLSearchParams): Promise<void> {
    const keep = parseKeepParam(params);
    const result = await this.locked(tenant, name, () =>
      removeServices(this.core(tenant), [name], { keep, graceSeconds: 10 }),
    );
    const [failure] = result.failed;
    if (failure) throw failure.error;
    if (result.missing.length > 0) throw new NotFoundError(`no such service: ${name}`);
  }

  /** GET /info: the engine's facts, and the tenant's containers, images and services. */
  private async info(tenant: string): Promise<Record<string, unknown>> {
    const { engine } = this.opts;
    const [info, services, mine] = await Promise.all([
      engine.info(),
      listServices(this.core(tenant), parseFiltersParam(null)),
      engine.listContainers(labelFilter(tenant, undefined, 'replica')),
    ]);
    return infoAnswer({ tenant, engine: info, containers: mine, services: services.length });
  }

  private async inspectOne(tenant: string, name: string) {
    const { services } = await inspectServices(this.core(tenant), [name]);
    const [service] = services;
    if (!service) throw new NotFoundError(`no such service: ${name}`);
    return service;
  }

  /** POST /images/create: the engine's progress, one JSON line each, as it comes. */
  private async pull(params: URLSearchParams, res: http.ServerResponse): Promise<Reply | undefined> {
    const from = params.get('fromImage');
    if (!from) throw new UsageError('give the image: /images/create?fromImage=IMAGE[&tag=TAG]');
    const tag = params.get('tag');
    const raw = tag && !from.includes('@') ? `${from}:${tag}` : from;
    const ref = resolveField('Image', { flag: 'fromImage', value: raw });
    const start = () => {
      if (!res.headersSent)
        res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    };
    await this.opts.engine.pullImage(ref, (p) => {
      start();
      res.write(`${JSON.stringify(p)}\n`);
    });
    start();
    res.end(`${JSON.stringify({ status: `Status: image ${ref} is present` })}\n`);
    return undefined;
  }
}
