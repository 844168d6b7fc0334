import { describe, expect, it } from 'vitest';
import { inspectObserved, replicaDetail } from '../../src/core/inspect.js';
import {
  filtersFrom,
  LS_HEADERS,
  listObserved,
  lsRows,
  matchesFilters,
  parseFilters,
} from '../../src/core/views.js';
import type { ContainerSummary } from '../../src/engine/engine.js';
import { UsageError } from '../../src/errors.js';
import type { LbView, ServerStatus } from '../../src/haproxy/lb-log.js';
import { formatTable } from '../../src/output/format.js';
import {
  CREATED,
  lbOf,
  OTHER_TENANT,
  readSnapshot,
  recordOf,
  replicaOf,
  serviceOf,
  specNamed,
  TENANT,
} from '../support/containers.js';
import { SERVICE_KEYS } from '../support/seed.js';

const groupServices = (tenant: string, containers: ContainerSummary[]) =>
  readSnapshot(tenant, containers).services;

/** The load balancer's view: these servers, in a worker that loaded (or, `complete` false, a log that starts mid-way). */
function view(servers: Array<[string, ServerStatus, string?, number?]>, complete = true): LbView {
  return {
    worker: 8,
    servers: new Map(
      servers.map(([name, status, check = 'L4OK', code]) => [
        name,
        code === undefined ? { status, check } : { status, check, code },
      ]),
    ),
    complete,
    alerts: [],
    failedLoads: 0,
    exited: new Set(),
  };
}

const noFilters = parseFilters([]);

describe('parseFilters', () => {
  it('reads name, label (key or key=value) and status filters', () => {
    expect(
      parseFilters(['name=web', 'label=tier', 'label=app=nginx=x', 'status=Degraded', 'name=api*']),
    ).toEqual({
      names: ['web', 'api*'],
      labels: [{ key: 'tier' }, { key: 'app', value: 'nginx=x' }],
      statuses: ['degraded'],
    });
  });

  it('refuses unknown keys, empty values and unknown statuses', () => {
    expect(() => parseFilters(['image=nginx'])).toThrow(
      /--filter image=nginx: unknown filter "image"; use one of name, label, status/,
    );
    expect(() => filtersFrom([['image', 'x']], (k) => `filters.${k}`)).toThrow(/^filters\.image: unknown/);
    expect(() => parseFilters(['name'])).toThrow(UsageError);
    expect(() => parseFilters(['name='])).toThrow(/expected name=VALUE/);
    expect(() => parseFilters(['status=running'])).toThrow(/created, active, degraded, updating, failed/);
  });
});

describe('matchesFilters', () => {
  const labels = { app: 'nginx', tier: 'front' };
  it('matches any of several names or statuses, with * in names', () => {
    const f = parseFilters(['name=api', 'name=we*']);
    expect(matchesFilters(f, 'web', labels, 'active')).toBe(true);
    expect(matchesFilters(f, 'api', labels, 'active')).toBe(true);
    expect(matchesFilters(f, 'api2', labels, 'active')).toBe(false);
    expect(matchesFilters(parseFilters(['name=w.b']), 'web', labels, 'active')).toBe(false);
    const s = parseFilters(['status=failed', 'status=degraded']);
    expect(matchesFilters(s, 'web', labels, 'degraded')).toBe(true);
    expect(matchesFilters(s, 'web', labels, 'active')).toBe(false);
  });

  it('needs every label filter and every key to match', () => {
    expect(matchesFilters(parseFilters(['label=app', 'label=tier=front']), 'web', labels, 'active')).toBe(
      true,
    );
    expect(matchesFilters(parseFilters(['label=app', 'label=tier=back']), 'web', labels, 'active')).toBe(
      false,
    );
    expect(matchesFilters(parseFilters(['label=app=nginx', 'status=failed']), 'web', labels, 'active')).toBe(
      false,
    );
  });
});

describe('listObserved (svc ls)', () => {
  const web = specNamed('web', { FIP: '127.0.0.1', ServicePort: 8080 });
  const api = specNamed('api', { Protocol: 'tcp', Replicas: 3, Labels: { tier: 'back' } });

  it('shows each service once, sorted, with up/desired from the running replicas', () => {
    const containers = [...serviceOf(web), ...serviceOf(api)];
    (containers[containers.length - 1] as { state: string }).state = 'exited'; // api-3
    const list = listObserved(groupServices(TENANT, containers), noFilters);
    expect(formatTable(LS_HEADERS, lsRows(list))).toBe(
      [
        'NAME  IMAGE  REPLICAS  PROTOCOL  SERVICE PORT  FIP        STATUS    BACKEND',
        'api   nginx  2/3       tcp       80            -          degraded  local',
        'web   nginx  2/2       http      8080          127.0.0.1  active    local',
        '',
      ].join('\n'),
    );
    const [apiJson, webJson] = list.map((l) => l.service);
    expect(Object.keys(webJson ?? {})).toEqual(SERVICE_KEYS);
    expect(webJson).toMatchObject({
      Name: 'web',
      IP: '172.18.0.2',
      Tenant: TENANT,
      Created: CREATED,
      Status: 'active',
      Message: 'Scaling complete',
    });
    expect(webJson?.Containers).toHaveLength(2);
    expect(apiJson?.Message).toMatch(/^2\/3 replicas up; api-3-b8dc3686: exited/);
  });

  it('never shows another tenant’s services', () => {
    const containers = [...serviceOf(web), ...serviceOf(specNamed('secret'), OTHER_TENANT)];
    expect(listObserved(groupServices(TENANT, containers), noFilters).map((l) => l.service.Name)).toEqual([
      'web',
    ]);
  });

  it('shows a half-created service as failed, saying what is missing', () => {
    // svc create killed after its load balancer was made, before the record.
    const noRecord = [lbOf('half', 'created')];
    // A record and a replica, but the load balancer removed.
    const noLb = [recordOf(specNamed('nolb')), replicaOf('nolb', 1)];
    const list = listObserved(groupServices(TENANT, [...noRecord, ...noLb]), noFilters);
    expect(list.map((l) => [l.service.Name, l.service.Status])).toEqual([
      ['half', 'failed'],
      ['nolb', 'failed'],
    ]);
    // Its creator is long gone (the load balancer names none, and is years old).
    expect(list[0]?.service.Message).toBe(
      'incomplete: its create was interrupted; create it again, or remove it',
    );
    expect(list[1]?.service.Message).toMatch(/incomplete: no load balancer .*remove the service/);
    // What is not known prints as unset, and its row has dashes.
    expect(list[0]?.service).toMatchObject({
      Image: '',
      ServicePort: 0,
      Protocol: '',
      Labels: {},
      Containers: null,
    });
    expect(list[0]?.service.Created).toBe('2016-10-08T13:12:15.000000000Z');
    expect(lsRows(list)[0]).toEqual(['half', '-', '0/0', '-', '-', '-', 'failed', 'local']);
  });

  it('filters by name, label and status', () => {
    const containers = [...serviceOf(web), ...serviceOf(api), lbOf('half', 'created')];
    const names = (args: string[]) =>
      listObserved(groupServices(TENANT, containers), parseFilters(args)).map((l) => l.service.Name);
    expect(names(['name=web'])).toEqual(['web']);
    expect(names(['label=tier=back'])).toEqual(['api']);
    expect(names(['label=app'])).toEqual(['web']);
    expect(names(['label=tier', 'label=app'])).toEqual([]);
    expect(names(['status=failed'])).toEqual(['half']);
    expect(names(['status=active', 'name=a*'])).toEqual(['api']);
  });
});

describe('replicaDetail and inspectObserved (svc inspect)', () => {
  const web = specNamed('web', { Replicas: 3 });

  it('adds, after the seed fields, the revision, the load balancer and each replica as HAProxy sees it', () => {
    const containers = serviceOf(web);
    const [s] = groupServices(TENANT, containers);
    const out = inspectObserved(
      s as NonNullable<typeof s>,
      view([
        ['r1', 'UP'],
        ['r2', 'DOWN', 'L4CON'],
        ['r3', 'DRAIN'],
      ]),
    );
    expect(Object.keys(out)).toEqual([
      ...SERVICE_KEYS,
      'Backend',
      'Revision',
      'LoadBalancer',
      'ReplicaDetail',
    ]);
    expect(out.Backend).toBe('local');
    expect(out.Revision).toBe(1);
    expect(out.LoadBalancer).toEqual({
      ID: containers[0]?.id,
      Name: 'web-lb-b8dc3686',
      Image: 'haproxy:lts-alpine',
      State: 'running',
    });
    expect(out.ReplicaDetail.map((r) => [r.Number, r.Name, r.State, r.LB, r.Check])).toEqual([
      [1, 'web-1-b8dc3686', 'running', 'UP', 'L4OK'],
      [2, 'web-2-b8dc3686', 'running', 'DOWN', 'L4CON'],
      [3, 'web-3-b8dc3686', 'running', 'DRAIN', 'L4OK'],
    ]);
    expect(Object.keys(out.ReplicaDetail[0] ?? {})).toEqual([
      'Number',
      'ID',
      'Name',
      'Image',
      'State',
      'LB',
      'Check',
      'CheckCode',
      'Health',
    ]);
  });

  it("shows an HTTP check's status code and Docker's health verdict beside the load balancer's view", () => {
    const containers = serviceOf(web).map((c) =>
      c.name === 'web-1-b8dc3686'
        ? { ...c, health: 'healthy' as const }
        : c.name === 'web-2-b8dc3686'
          ? { ...c, health: 'starting' as const }
          : c,
    );
    const [s] = groupServices(TENANT, containers);
    const out = inspectObserved(
      s as NonNullable<typeof s>,
      view([
        ['r1', 'UP', 'L7OK', 200],
        ['r2', 'DOWN', 'L7STS', 503],
        ['r3', 'UP'],
      ]),
    );
    expect(out.ReplicaDetail.map((r) => [r.Number, r.LB, r.Check, r.CheckCode, r.Health])).toEqual([
      [1, 'UP', 'L7OK', 200, 'healthy'],
      [2, 'DOWN', 'L7STS', 503, 'starting'],
      [3, 'UP', 'L4OK', null, null],
    ]);
    const blind = inspectObserved(s as NonNullable<typeof s>, undefined);
    expect(blind.ReplicaDetail.map((r) => [r.CheckCode, r.Health])).toEqual([
      [null, 'healthy'],
      [null, 'starting'],
      [null, null],
    ]);
  });

  it('judges Status as ls does, whatever the load balancer says: both read the same facts', () => {
    const [s] = groupServices(TENANT, serviceOf(web));
    const svc = s as NonNullable<typeof s>;
    const [listed] = listObserved([svc], noFilters);
    for (const v of [
      undefined,
      view([['r1', 'DOWN', 'L4CON']]),
      view([
        ['r1', 'UP'],
        ['r2', 'UP'],
        ['r3', 'UP'],
      ]),
    ]) {
      const out = inspectObserved(svc, v);
      expect([out.Status, out.Message]).toEqual([listed?.service.Status, listed?.service.Message]);
    }
  });

  it('lists a replica removed by hand as missing, and names it in the message', () => {
    const containers = serviceOf(web).filter((c) => c.name !== 'web-2-b8dc3686');
    const [s] = groupServices(TENANT, containers);
    const out = inspectObserved(
      s as NonNullable<typeof s>,
      view([
        ['r1', 'UP'],
        ['r2', 'MAINT', ''],
        ['r3', 'UP'],
      ]),
    );
    expect(out.ReplicaDetail[1]).toEqual({
      Number: 2,
      ID: '',
      Name: 'web-2-b8dc3686',
      Image: '',
      State: 'missing',
      LB: 'MAINT',
      Check: '',
      CheckCode: null,
      Health: null,
    });
    expect(out.Status).toBe('degraded');
    expect(out.Message).toBe('2/3 replicas up; missing: web-2-b8dc3686 (scaling to 3 again recreates them)');
  });

  it('says NONE for a replica not in the config, UNKNOWN before its first check or when the log is cut, null without a view', () => {
    const spec = specNamed('web', { Replicas: 2 });
    const [lb, , r1, r2] = serviceOf(spec);
    const record = recordOf(spec, 1, TENANT, { 'io.svc.lb-servers': '1' });
    const [s] = groupServices(TENANT, [lb, record, r1, r2] as ContainerSummary[]);
    const svc = s as NonNullable<typeof s>;
    expect(replicaDetail(svc, view([['r1', 'UP']])).map((r) => r.LB)).toEqual(['UP', 'NONE']);
    expect(replicaDetail(svc, view([])).map((r) => [r.LB, r.Check])).toEqual([
      ['UNKNOWN', ''],
      ['NONE', ''],
    ]);
    expect(replicaDetail(svc, view([], false)).map((r) => r.LB)).toEqual(['UNKNOWN', 'NONE']);
    expect(replicaDetail(svc, undefined).map((r) => [r.LB, r.Check])).toEqual([
      [null, null],
      [null, null],
    ]);
  });

  it('counts a replica as up when it runs and is in the config; a stopped one degrades the service', () => {
    const containers = serviceOf(specNamed('web', { Replicas: 2 }));
    (containers[3] as { state: string }).state = 'exited';
    const [s] = groupServices(TENANT, containers);
    const out = inspectObserved(
      s as NonNullable<typeof s>,
      view([
        ['r1', 'UP'],
        ['r2', 'DOWN', 'L4CON'],
      ]),
    );
    expect([out.Status, out.Message]).toEqual(['degraded', '1/2 replicas up; web-2-b8dc3686: exited']);
  });

  it('tells the truth after an interrupted rolling update: both images, in ls and inspect', () => {
    const spec = specNamed('web', { Replicas: 2 });
    const containers = [
      lbOf('web'),
      recordOf(spec),
      replicaOf('web', 1),
      replicaOf('web', 2, 'running', TENANT, 'app:2'),
    ];
    const [s] = groupServices(TENANT, containers);
    const [listed] = listObserved([s as NonNullable<typeof s>], noFilters);
    expect(listed?.service.Status).toBe('degraded');
    expect(listed?.service.Message).toMatch(/replicas run app:2 \(1\) and nginx \(1\), the spec says nginx/);
    expect(lsRows(listed ? [listed] : [])[0]?.[1]).toBe('app:2,nginx');
  });

  it('has a null load balancer and revision for what is missing', () => {
    const [s] = groupServices(TENANT, [replicaOf('orphan', 1)]);
    const out = inspectObserved(s as NonNullable<typeof s>, undefined);
    expect(out).toMatchObject({ Name: 'orphan', Status: 'failed', Revision: null, LoadBalancer: null });
    expect(out.ReplicaDetail).toHaveLength(1);
  });
});
