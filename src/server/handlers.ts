/**
 * What each route of `svc serve` does, for one key's tenant: the very operations the commands
 * call (src/core), one at a time per service, answered in the original's shapes.
 */
import type http from 'node:http';
import { BACKENDS, DEFAULT_BACKEND } from '../backends/index.js';
import type { Backend, Core } from '../core/backend.js';
import { desiredSpec, findService, observe } from '../core/observe.js';
import { inspectServices, listServices } from '../core/reads.js';
import { removeServices } from '../core/remove.js';
import { createService, rollingUpdate, scaleService, setFip } from '../core/services.js';
import type { Engine } from '../engine/engine.js';
import type { RegistryLogin } from '../engine/registry-login.js';
import { NotFoundError, UsageError } from '../errors.js';
import { LbDriver } from '../lb/driver.js';
import { labelFilter } from '../model/naming.js';
import { resolveField } from '../spec/resolve-spec.js';
import type { ServiceSpec } from '../spec/types.js';
import {
  parseBoolParam,
  parseFiltersParam,
  parseKeepParam,
  parseUpdateBody,
  specFromCreateBody,
  type UpdateRequest,
} from './bodies.js';
import { admitSpec, recheckSpec } from './host-paths.js';
import { header, json, type Reply, requireJson } from './http.js';
import { KeyedQueue } from './locks.js';
import { openApiDocument } from './openapi.js';
import { type ApiPolicy, DEFAULT_FIP_PORTS, DEFAULT_FIPS, fipIssues, PolicyRefusal } from './policy.js';
import { requestLogin } from './registry-auth.js';
import type { Route } from './router.js';
import { API_VERSION, imageAnswer, infoAnswer, versionAnswer } from './system.js';
import { volumeCreate, volumeInspect, volumeList, volumeRemove } from './volume-routes.js';

export interface HandlerOptions {
  engine: Engine;
  lbImage: string;
  /** Where created services run (the default backend when not given). */
  backend?: Backend;
  /** What a key may ask beyond the spec's rules (default: no host paths, FIPs on loopback). */
  policy?: Omit<ApiPolicy, 'noHostPaths'>;
  /** svc's version, for /version. */
  version: string;
  /** How long create/update/remove may wait for replicas (ms). */
  timeoutMs?: number;
}

export class RouteHandlers {
  private readonly queue = new KeyedQueue();
  private readonly lb: LbDriver;

  private readonly policy: ApiPolicy;

  constructor(private readonly opts: HandlerOptions) {
    this.lb = new LbDriver(opts.engine);
    this.policy = { hostPaths: [], fips: DEFAULT_FIPS, fipPorts: DEFAULT_FIP_PORTS, ...opts.policy };
  }

  /** Where created services run. */
  private get backend(): Backend {
    return this.opts.backend ?? DEFAULT_BACKEND;
  }

  /** The policy for services of `backend`: no host path where its replicas may run off the engine's host. */
  private policyFor(backend: Backend): ApiPolicy {
    if (backend.onEngineHost) return this.policy;
    const noHostPaths = `host paths are not mounted through this server on the ${backend.name} backend (checked on the engine's host, a replica could run on another); use a named volume`;
    return { ...this.policy, noHostPaths };
  }

  /** How long create and update may wait for replicas. */
  private get timeoutMs(): number {
    return this.opts.timeoutMs ?? 120_000;
  }

  /**
   * What the core operations act on, for one key's tenant: the engine pulls with `login`, the
   * request's own (registry-auth.ts), never with a login of the server's host.
   */
  core(tenant: string, login: RegistryLogin = requestLogin(undefined)): Core {
    return { engine: this.opts.engine.withRegistryLogin(login), lb: this.lb, tenant, backends: BACKENDS };
  }

  private locked<T>(tenant: string, name: string, fn: () => Promise<T>): Promise<T> {
    return this.queue.run(`${tenant}/${name}`, fn);
  }

  /** The reply of a routed, authenticated request (undefined when it was streamed to `res`). */
  async dispatch(
    r: Route,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    params: URLSearchParams,
    body: Buffer,
    tenant: string,
  ): Promise<Reply | undefined> {
    const name = r.params.name ?? '';
    const registryAuth = header(req, 'x-registry-auth');
    switch (r.name) {
      case 'ping':
        return { status: 200, body: 'OK', type: 'text/plain; charset=utf-8' };
      case 'openapi':
        return json(200, openApiDocument(this.opts.version));
      case 'version':
        return json(200, versionAnswer(this.opts.version));
      case 'info':
        return json(200, await this.info(tenant));
      case 'services.create':
        requireJson(req);
        return json(201, await this.create(tenant, body.toString('utf8'), params, registryAuth));
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
        return json(200, await this.update(tenant, name, body.toString('utf8'), registryAuth));
      case 'services.remove':
        await this.remove(tenant, name, params);
        return { status: 204 };
      case 'images.inspect': {
        const image = await this.opts.engine.inspectImage(name);
        if (!image) throw new NotFoundError(`no such image: ${name}`);
        return json(200, imageAnswer(image));
      }
      case 'images.create':
        return this.pull(params, res, registryAuth);
      case 'volumes.list':
        return json(200, await volumeList(this.core(tenant), params.get('filters')));
      case 'volumes.inspect':
        return json(200, await volumeInspect(this.core(tenant), name));
      case 'volumes.create':
        requireJson(req);
        return json(201, await volumeCreate(this.core(tenant), body.toString('utf8')));
      case 'volumes.remove':
        await this.locked(tenant, `volume ${name}`, () => volumeRemove(this.core(tenant), name));
        return { status: 204 };
    }
  }

  /** POST /services/create: the Service made (`wait`: once its replicas are up). */
  private async create(tenant: string, text: string, params: URLSearchParams, auth: string | undefined) {
    const asked = specFromCreateBody(text);
    const { backend } = this;
    const core = this.core(tenant, requestLogin(auth, asked.Image));
    const spec = await admitSpec(core.engine, this.opts.lbImage, this.policyFor(backend), asked);
    const wait = ['1', 'true'].includes(params.get('wait') ?? '');
    const result = await this.locked(tenant, spec.Name, () =>
      createService(core, spec, {
        lbImage: this.opts.lbImage,
        pull: 'missing',
        wait,
        timeoutMs: this.timeoutMs,
        backend,
      }),
    );
    return result.service;
  }

  /** POST /services/{name}/update: the FIP, then the image, then the replicas; the Service after. */
  private update(tenant: string, name: string, text: string, auth: string | undefined) {
    const { timeoutMs } = this;
    const update = parseUpdateBody(text);
    const core = this.core(tenant, requestLogin(auth, update.image));
    return this.locked(tenant, name, async () => {
      const s = findService(await observe(core), name); // 404 before anything else
      const current = desiredSpec(s);
      if (current) await this.admitUpdate(core.engine, s.owner, current, update);
      // FIP first: its conflict (409) stops the update before anything changed.
      if (update.fip !== undefined) await setFip(core, name, update.fip, { timeoutMs });
      if (update.image !== undefined) await rollingUpdate(core, name, { image: update.image }, { timeoutMs });
      if (update.replicas !== undefined) await scaleService(core, name, update.replicas, { timeoutMs });
      return this.inspectOne(tenant, name);
    });
  }

  /**
   * An update the policy refuses (403) before anything changes: a FIP it does not allow; new
   * replicas (more of them, or a new image) whose host paths no longer pass or lead elsewhere.
   */
  private async admitUpdate(
    engine: Engine,
    owner: Backend,
    current: ServiceSpec,
    update: UpdateRequest,
  ): Promise<void> {
    const policy = this.policyFor(owner);
    const issues = fipIssues(update.fip ?? '', current.ServicePort, policy);
    if (issues.length > 0) throw new PolicyRefusal(issues);
    if (update.image !== undefined || (update.replicas ?? 0) > current.Replicas)
      await recheckSpec(engine, this.opts.lbImage, policy, current);
  }

  /** DELETE /services/{name}: `keep` read as parseKeepParam says (`keey` ignored); `volumes`. */
  private async remove(tenant: string, name: string, params: URLSearchParams): Promise<void> {
    const keep = parseKeepParam(params);
    const volumes = parseBoolParam(params, 'volumes');
    const result = await this.locked(tenant, name, () =>
      removeServices(this.core(tenant), [name], { keep, volumes }),
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
  private async pull(
    params: URLSearchParams,
    res: http.ServerResponse,
    auth: string | undefined,
  ): Promise<Reply | undefined> {
    const from = params.get('fromImage');
    if (!from) throw new UsageError('give the image: /images/create?fromImage=IMAGE[&tag=TAG]');
    const tag = params.get('tag');
    const raw = tag && !from.includes('@') ? `${from}:${tag}` : from;
    const ref = resolveField('Image', { flag: 'fromImage', value: raw });
    const start = () => {
      if (!res.headersSent)
        res.writeHead(200, { 'Content-Type': 'application/json', 'Api-Version': API_VERSION });
    };
    await this.opts.engine.withRegistryLogin(requestLogin(auth, ref)).pullImage(ref, (p) => {
      start();
      res.write(`${JSON.stringify(p)}\n`);
    });
    start();
    res.end(`${JSON.stringify({ status: `Status: image ${ref} is present` })}\n`);
    return undefined;
  }
}
