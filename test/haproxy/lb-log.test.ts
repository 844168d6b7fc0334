/**
 * HAProxy's stderr in master-worker foreground mode (`haproxy -W -db`), read back by
 * src/haproxy/lb-log.ts. The lines are real: captured from Debian's HAProxy 2.6.12 running
 * svc's configs (and a few hand-written backends for backup, agent, DRAIN and NOLB servers), or,
 * for what 2.6 cannot print (3.1+ master messages) or what needs a DNS server to happen, written
 * from the format strings of HAProxy's sources (src/mworker.c, src/check.c, src/server.c,
 * v2.6.0 … v3.2.0). live.test.ts checks the same parser against a running HAProxy.
 */
import { describe, expect, it } from 'vitest';
import {
  foldLbLog,
  isPassedCheck,
  LbLogFold,
  type LbView,
  parseLbLogLine,
} from '../../src/haproxy/lb-log.js';
import { BACKEND_NAME } from '../../src/haproxy/render-config.js';

/** The master's and workers' prefix, aligned as HAProxy aligns it (`[LEVEL]` padded to 10). */
const at = (level: 'NOTICE' | 'WARNING' | 'ALERT', pid: number, text: string) =>
  `${`[${level}]`.padEnd(10)} (${pid}) : ${text}`;

/** Captured from HAProxy 2.6.12: start, checks, a reload, and a reload refused for a bad keyword. */
const CAPTURED_2_6 = [
  '[NOTICE]   (1) : New worker (8) forked',
  '[NOTICE]   (1) : Loading success.',
  '[WARNING]  (8) : Health check for server b/r1 succeeded, reason: Layer4 check passed, check duration: 1ms, status: 3/3 UP.',
  '[WARNING]  (8) : Health check for server b/r2 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN.',
  '[WARNING]  (8) : Server b/r2 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
  '[NOTICE]   (1) : Reloading HAProxy',
  '[WARNING]  (8) : Proxy f stopped (cumulated conns: FE: 1, BE: 0).',
  '[NOTICE]   (1) : New worker (24) forked',
  '[NOTICE]   (1) : Loading success.',
  '[WARNING]  (24) : Health check for server b/r1 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.',
  '[WARNING]  (1) : Former worker (8) exited with code 0 (Exit)',
  "[ALERT]    (1) : config : parsing [/usr/local/etc/haproxy/haproxy.cfg:2] : unknown keyword 'bogus-keyword' in 'global' section",
  '[WARNING]  (1) : Loading failure!',
];

/** Health-check lines (`option log-health-checks`) of worker `pid` for backend `b`. */
const ok = (pid: number, server: string, reason = 'Layer4 check passed') =>
  at(
    'WARNING',
    pid,
    `Health check for server b/${server} succeeded, reason: ${reason}, check duration: 0ms, status: 2/2 UP.`,
  );
const refused = (pid: number, server: string) =>
  at(
    'WARNING',
    pid,
    `Health check for server b/${server} failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN.`,
  );

const servers = (v: LbView) => Object.fromEntries(v.servers);

describe('parseLbLogLine: the master', () => {
  it.each([
    ['[NOTICE]   (1) : New worker (8) forked', { kind: 'worker-started', pid: 1, worker: 8 }],
    ['[NOTICE]   (1) : Initializing new worker (42)', { kind: 'worker-started', pid: 1, worker: 42 }],
    ['[NOTICE]   (1) : Loading success.', { kind: 'loaded', pid: 1 }],
    ['[WARNING]  (1) : Loading failure!', { kind: 'load-failed', pid: 1 }],
    ['[WARNING]  (1) : Failed to load worker!', { kind: 'load-failed', pid: 1 }],
    ['[NOTICE]   (1) : Reloading HAProxy', { kind: 'reloading', pid: 1 }],
    ['[NOTICE]   (1) : Reloading HAProxy (hard-reload)', { kind: 'reloading', pid: 1 }],
    [
      '[WARNING]  (1) : Former worker (8) exited with code 0 (Exit)',
      { kind: 'worker-exited', pid: 1, worker: 8, code: 0 },
    ],
    [
      '[WARNING]  (1) : Former worker (8) exited with code 0 (Exit), as it exceeds max reloads (50)',
      { kind: 'worker-exited', pid: 1, worker: 8, code: 0 },
    ],
    // An ALERT, yet an exit first of all (captured: the master's SIGTERM).
    [
      '[ALERT]    (7333) : Current worker (7347) exited with code 143 (Terminated)',
      { kind: 'worker-exited', pid: 7333, worker: 7347, code: 143 },
    ],
    [
      '[WARNING]  (1) : Current worker (9) exited with code 1 (Exit)',
      { kind: 'worker-exited', pid: 1, worker: 9, code: 1 },
    ],
  ])('%s', (line, event) => {
    expect(parseLbLogLine(line)).toEqual(event);
  });

  it('keeps the text of alert lines (why a start or reload failed)', () => {
    const lines = [
      "[ALERT]    (752) : config : parsing [a.cfg:2] : unknown keyword 'bogus-keyword' in 'global' section",
      '[ALERT]    (752) : config : Error(s) found in configuration file : a.cfg',
      '[ALERT]    (752) : config : Fatal errors found in configuration.',
    ];
    expect(lines.map(parseLbLogLine)).toEqual([
      {
        kind: 'alert',
        pid: 752,
        text: "config : parsing [a.cfg:2] : unknown keyword 'bogus-keyword' in 'global' section",
      },
      { kind: 'alert', pid: 752, text: 'config : Error(s) found in configuration file : a.cfg' },
      { kind: 'alert', pid: 752, text: 'config : Fatal errors found in configuration.' },
    ]);
  });
});

/** HAProxy's `check_statuses` (src/check.c, identical in 2.6 and 3.2) that a log line can carry. */
const CHECK_STATUSES: [description: string, code: string, passed: boolean][] = [
  ['Unknown', 'UNK', false],
  ['Initializing', 'INI', false],
  ['Health analyze', 'HANA', false],
  ['Socket error', 'SOCKERR', false],
  ['Layer4 check passed', 'L4OK', true],
  ['Layer4 timeout', 'L4TOUT', false],
  ['Layer4 connection problem', 'L4CON', false],
  ['Layer6 check passed', 'L6OK', true],
  ['Layer6 timeout', 'L6TOUT', false],
  ['Layer6 invalid response', 'L6RSP', false],
  ['Layer7 timeout', 'L7TOUT', false],
  ['Layer7 invalid response', 'L7RSP', false],
  ['Layer7 check passed', 'L7OK', true],
  ['Layer7 check conditionally passed', 'L7OKC', true],
  ['Layer7 wrong status', 'L7STS', false],
  ['External check error', 'PROCERR', false],
  ['External check timeout', 'PROCTOUT', false],
  ['External check passed', 'PROCOK', true],
];

describe('parseLbLogLine: health checks', () => {
  it.each(CHECK_STATUSES)('reason "%s" → check %s', (description, code, passed) => {
    // src/check.c: statuses after HCHK_STATUS_L57DATA (layer 7, external) print their code.
    const l7 = /^Layer7|^External/.test(description) ? ', code: 200' : '';
    const result = passed
      ? `${description.includes('conditionally') ? 'conditionally ' : ''}succeeded`
      : 'failed';
    const status = passed ? '3/3 UP' : '0/2 DOWN';
    const line = at(
      'WARNING',
      8,
      `Health check for server ${BACKEND_NAME}/r1 ${result}, reason: ${description}${l7}, check duration: 12ms, status: ${status}.`,
    );
    expect(parseLbLogLine(line)).toEqual({
      kind: 'server',
      pid: 8,
      backend: BACKEND_NAME,
      server: 'r1',
      status: passed ? 'UP' : 'DOWN',
      check: code,
      ...(l7 ? { code: 200 } : {}),
    });
    expect(isPassedCheck(code)).toBe(passed);
  });

  it('isPassedCheck: only a passed check, never an absent one', () => {
    expect(isPassedCheck(undefined)).toBe(false);
    expect(isPassedCheck('')).toBe(false);
    expect(isPassedCheck('L4OKX')).toBe(false);
    expect(isPassedCheck('l4ok')).toBe(false);
  });

  it('reads the captured layer-4 lines, info and all', () => {
    expect(parseLbLogLine(CAPTURED_2_6[2] as string)).toEqual({
      kind: 'server',
      pid: 8,
      backend: 'b',
      server: 'r1',
      status: 'UP',
      check: 'L4OK',
    });
    expect(parseLbLogLine(CAPTURED_2_6[3] as string)).toEqual({
      kind: 'server',
      pid: 8,
      backend: 'b',
      server: 'r2',
      status: 'DOWN',
      check: 'L4CON',
    });
  });

  it('reads a timeout, and an info with commas and escaped quotes in it', () => {
    expect(
      parseLbLogLine(
        '[WARNING]  (8) : Health check for server svc_replicas/r3 failed, reason: Layer4 timeout, check duration: 2001ms, status: 1/3 UP.',
      ),
    ).toMatchObject({ server: 'r3', status: 'UP', check: 'L4TOUT' });
    expect(
      parseLbLogLine(
        '[WARNING]  (8) : Health check for server b/r1 failed, reason: Layer7 wrong status, code: 503, info: "Service Unavailable, \\"retry\\", status: 1/1 UP", check duration: 3ms, status: 0/2 DOWN.',
      ),
    ).toMatchObject({ server: 'r1', status: 'DOWN', check: 'L7STS' });
  });

  it('reads a health-analyze failure (observe layer4 + on-error mark-down): no duration, an info with commas', () => {
    // src/check.c check_notify_failure/__health_adjust: HANA has duration -1, so no "check duration".
    const line =
      '[WARNING]  (8) : Health check for server svc_replicas/r2 failed, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: L4 unsuccessful connection", status: 0/2 DOWN.';
    expect(parseLbLogLine(line)).toEqual({
      kind: 'server',
      pid: 8,
      backend: 'svc_replicas',
      server: 'r2',
      status: 'DOWN',
      check: 'HANA',
    });
  });

  it('reads DRAIN (weight 0), backup servers and conditional passes (captured)', () => {
    expect(
      parseLbLogLine(
        '[WARNING]  (7347) : Health check for server b/r1 succeeded, reason: Layer7 check passed, code: 200, check duration: 9ms, status: 1/1 DRAIN.',
      ),
    ).toEqual({
      kind: 'server',
      pid: 7347,
      backend: 'b',
      server: 'r1',
      status: 'DRAIN',
      check: 'L7OK',
      code: 200,
    });
    expect(
      parseLbLogLine(
        '[WARNING]  (7347) : Health check for backup server b/r2 succeeded, reason: Layer7 check passed, code: 200, check duration: 9ms, status: 2/2 UP.',
      ),
    ).toEqual({
      kind: 'server',
      pid: 7347,
      backend: 'b',
      server: 'r2',
      status: 'UP',
      check: 'L7OK',
      code: 200,
    });
    expect(
      parseLbLogLine(
        '[WARNING]  (7347) : Health check for backup server b/r3 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/1 DOWN.',
      ),
    ).toEqual({ kind: 'server', pid: 7347, backend: 'b', server: 'r3', status: 'DOWN', check: 'L4CON' });
    expect(
      parseLbLogLine(
        '[WARNING]  (7347) : Health check for server c/r5 conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, check duration: 4ms, status: 2/2 UP.',
      ),
    ).toEqual({
      kind: 'server',
      pid: 7347,
      backend: 'c',
      server: 'r5',
      status: 'UP',
      check: 'L7OKC',
      code: 404,
    });
  });

  it("reads an HTTP check's status code, passed or not (captured, option httpchk)", () => {
    expect(
      parseLbLogLine(
        '[WARNING]  (20591) : Health check for server svc_replicas/r2 failed, reason: Layer7 wrong status, code: 404, info: "Not Found", check duration: 1ms, status: 0/2 DOWN.',
      ),
    ).toEqual({
      kind: 'server',
      pid: 20591,
      backend: 'svc_replicas',
      server: 'r2',
      status: 'DOWN',
      check: 'L7STS',
      code: 404,
    });
    expect(
      parseLbLogLine(
        '[WARNING]  (20591) : Health check for server svc_replicas/r2 succeeded, reason: Layer7 check passed, code: 200, check duration: 0ms, status: 1/2 DOWN.',
      ),
    ).toMatchObject({ status: 'DOWN', check: 'L7OK', code: 200 });
    // The state file's line is the master's, at parse time: no server event (the worker's follow).
    expect(
      parseLbLogLine(
        '[WARNING]  (20376) : config : Server svc_replicas/r2 is DOWN, changed from server-state after a reload. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      ),
    ).toBeUndefined();
  });

  it('passes by agent checks (svc sets none; their result is not the health check’s)', () => {
    expect(
      parseLbLogLine(
        '[WARNING]  (7347) : Agent check for server b/r4 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 1/1 UP.',
      ),
    ).toBeUndefined();
    expect(
      parseLbLogLine(
        '[WARNING]  (9) : Agent check for backup server b/r4 succeeded, reason: Layer7 check passed, code: 0, info: "ready", check duration: 1ms, status: 3/3 UP.',
      ),
    ).toBeUndefined();
  });

  it('falls back when the reason is one it does not know', () => {
    const line = (r: string, s: string) =>
      at(
        'WARNING',
        8,
        `Health check for server b/r1 ${r}, reason: Layer9 mystery, check duration: 1ms, status: ${s}.`,
      );
    expect(parseLbLogLine(line('failed', '0/2 DOWN'))).toMatchObject({ status: 'DOWN', check: 'UNK' });
    expect(parseLbLogLine(line('succeeded', '2/2 UP'))).toMatchObject({ status: 'UP', check: 'L4OK' });
  });
});

describe('parseLbLogLine: server states', () => {
  const server = (text: string) => parseLbLogLine(at('WARNING', 8, text));

  it.each([
    // Captured from HAProxy 2.6.12.
    [
      'Server svc_replicas/r2 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r2',
      'DOWN',
    ],
    [
      'Backup Server b/r3 is DOWN. 1 active and 1 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r3',
      'DOWN',
    ],
    [
      'Server c/r5 is stopping. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
      'r5',
      'NOLB',
    ],
    [
      'Server svc_replicas/r1 is going DOWN for maintenance (DNS NX status). 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r1',
      'MAINT',
    ],
    ["Server svc_replicas/r1 ('svc-up') is UP/READY (resolves again).", 'r1', 'UP'],
    ['Server svc_replicas/r1 administratively READY thanks to valid DNS answer.', 'r1', 'UP'],
    // From the format strings (src/server.c).
    [
      'Server b/r1 is UP, reason: Layer4 check passed, check duration: 0ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
      'r1',
      'UP',
    ],
    [
      'Server b/r1 is DOWN, reason: Layer4 timeout, check duration: 2001ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r1',
      'DOWN',
    ],
    [
      'Backup Server b/r9 is going DOWN for maintenance (DNS timeout status). 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r9',
      'MAINT',
    ],
    [
      'Server b/r1 is going DOWN for maintenance (entry removed from SRV record). 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'r1',
      'MAINT',
    ],
    ['Server b/r1 is leaving forced maintenance but remains in maintenance.', 'r1', 'MAINT'],
    ["Server b/r1 ('web-1-7e57f022') is DOWN/READY (resolves again).", 'r1', 'DOWN'],
    ['Server b/r1 is UP/READY (leaving maintenance).', 'r1', 'UP'],
    [
      'Backup Server b/r2 is stopping. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
      'r2',
      'NOLB',
    ],
  ])('%s', (text, name, status) => {
    const e = server(text);
    expect(e).toMatchObject({ kind: 'server', pid: 8, server: name, status });
    // A state change from a check carries no check result (the fold keeps the check line's);
    // an admin or DNS change clears it: no check stands for the new state yet.
    const admin = /maintenance|READY|resolves again|drain/.test(text);
    expect(e && 'check' in e ? e.check : undefined).toBe(admin ? '' : undefined);
  });

  // Captured from HAProxy 2.6.12 when the DNS of a replica that was already DOWN answers NX (its
  // container removed). Same string in 3.2.
  it('a DOWN server that enters maintenance: "was DOWN and now enters maintenance"', () => {
    expect(
      server('Server svc_replicas/r2 was DOWN and now enters maintenance (DNS NX status).'),
    ).toMatchObject({
      kind: 'server',
      server: 'r2',
      status: 'MAINT',
    });
  });
});

describe('parseLbLogLine: prefixes and other lines', () => {
  it('reads lines with a docker timestamp prefix (docker logs -t, the Engine API with timestamps)', () => {
    const plain = CAPTURED_2_6.map(parseLbLogLine);
    const stamped = CAPTURED_2_6.map((l, i) => parseLbLogLine(`2026-12-01T11:36:46.${905 + i}123456Z ${l}`));
    expect(stamped).toEqual(plain);
    expect(parseLbLogLine('2026-12-01T11:36:46.905Z [NOTICE]   (1) : New worker (8) forked')).toEqual({
      kind: 'worker-started',
      pid: 1,
      worker: 8,
    });
  });

  it('ignores trailing whitespace and CRLF', () => {
    expect(parseLbLogLine('[NOTICE]   (1) : Loading success.\r')).toEqual({ kind: 'loaded', pid: 1 });
    expect(parseLbLogLine(`${CAPTURED_2_6[2]}  `)).toMatchObject({ server: 'r1', check: 'L4OK' });
  });

  it.each([
    '',
    'hello',
    // Captured, and not an event.
    '[NOTICE]   (752) : haproxy version is 2.6.12-1+deb12u4',
    '[NOTICE]   (752) : path to executable is /usr/sbin/haproxy',
    "[WARNING]  (752) : config : [a.cfg:52] : 'server svc_replicas/r3' : could not resolve address 'svc-nope.invalid', disabling server.",
    '[WARNING]  (760) : Proxy svc_frontend stopped (cumulated conns: FE: 0, BE: 0).',
    '[WARNING]  (760) : Proxy <HTTPCLIENT> stopped (cumulated conns: FE: 0, BE: 0).',
    '[WARNING]  (5201) : svc_replicas/r1 changed its IP from (none) to 127.0.0.1 by docker/dns.',
    '[WARNING]  (7333) : Exiting Master process...',
    '[WARNING]  (7333) : All workers exited. Exiting... (0)',
    // The same messages as `log stdout format raw` prints them: no prefix (stdout, not stderr).
    'Health check for server svc_replicas/r1 succeeded, reason: Layer4 check passed, check duration: 1ms, status: 1/1 UP.',
    'Server svc_replicas/r2 is DOWN. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    // An HTTP log line (option httplog, raw).
    '127.0.0.1:41234 [01/Dec/2026:11:36:46.905] svc_frontend svc_replicas/r1 0/0/0/1/1 200 123 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
    // The second line of a multi-line message.
    'Please check that you are running an up to date and maintained version of haproxy and open a bug report.',
    // Not HAProxy's prefix.
    '[INFO]     (1) : Loading success.',
    '[NOTICE] (x) : Loading success.',
    'NOTICE (1) : Loading success.',
    '  [NOTICE]   (1) : Loading success.',
    '[NOTICE]   (1): Loading success.',
    'garbage [NOTICE]   (1) : Loading success.',
    // Unknown non-alert messages from a known prefix.
    '[WARNING]  (8) : Server b/r1 enters an unknown state of mind',
    '[NOTICE]   (1) : New worker forked',
  ])('ignores %j', (line) => {
    expect(parseLbLogLine(line)).toBeUndefined();
  });

  it('reads every server name svc gives (rN), and the other names the renderer allows without a dot', () => {
    expect(parseLbLogLine(ok(8, 'r10'))).toMatchObject({ backend: 'b', server: 'r10' });
    expect(parseLbLogLine(ok(8, 'R_1-a'))).toMatchObject({ backend: 'b', server: 'R_1-a' });
  });

  // render-config.ts allows dots in server names (`R_1.a-b`); svc itself only names rN.
  it('reads a server name with a dot, which the renderer allows', () => {
    expect(parseLbLogLine(ok(8, 'R_1.a-b'))).toMatchObject({ server: 'R_1.a-b' });
  });
});

describe('LbLogFold', () => {
  it('folds the captured 2.6 log: start, reload, refused reload', () => {
    const fold = new LbLogFold('b');
    const steps: Partial<LbView>[] = [];
    for (const l of CAPTURED_2_6) {
      fold.push(l);
      const v = fold.current();
      steps.push({ worker: v.worker, complete: v.complete, failedLoads: v.failedLoads });
    }
    // Nothing is current before the first `Loading success.`.
    expect(steps[0]).toEqual({ worker: undefined, complete: false, failedLoads: 0 });
    expect(steps[1]).toEqual({ worker: 8, complete: true, failedLoads: 0 });
    // The reload is current once loaded, not when forked.
    expect(steps[7]).toEqual({ worker: 8, complete: true, failedLoads: 0 });
    expect(steps[8]).toEqual({ worker: 24, complete: true, failedLoads: 0 });
    const v = fold.current();
    expect(v.worker).toBe(24);
    expect(v.complete).toBe(true);
    // The new worker printed r1 only: r2 is not known to it yet.
    expect(servers(v)).toEqual({ r1: { status: 'UP', check: 'L4OK' } });
    expect(v.failedLoads).toBe(1);
    expect(v.alerts).toEqual([
      "config : parsing [/usr/local/etc/haproxy/haproxy.cfg:2] : unknown keyword 'bogus-keyword' in 'global' section",
    ]);
    expect([...v.exited]).toEqual([8]);
  });

  it('shows the first worker servers once loaded, state lines keeping the last check', () => {
    const v = foldLbLog(CAPTURED_2_6.slice(0, 5), 'b');
    expect(v.worker).toBe(8);
    expect(servers(v)).toEqual({
      r1: { status: 'UP', check: 'L4OK' },
      r2: { status: 'DOWN', check: 'L4CON' },
    });
  });

  it('push returns the event of the line', () => {
    const fold = new LbLogFold('b');
    expect(fold.push(CAPTURED_2_6[0] as string)).toEqual({ kind: 'worker-started', pid: 1, worker: 8 });
    expect(fold.push('unrelated')).toBeUndefined();
    expect(foldLbLog(CAPTURED_2_6, 'b')).toEqual(
      (() => {
        const f = new LbLogFold('b');
        for (const l of CAPTURED_2_6) f.push(l);
        return f.current();
      })(),
    );
  });

  it('across a reload: the new worker lines before and after its load, the old worker late lines ignored', () => {
    const v = foldLbLog(
      [
        at('NOTICE', 1, 'New worker (8) forked'),
        at('NOTICE', 1, 'Loading success.'),
        ok(8, 'r1'),
        ok(8, 'r2'),
        ok(8, 'r3'),
        at('NOTICE', 1, 'Reloading HAProxy'),
        at('NOTICE', 1, 'New worker (24) forked'),
        // The new worker checks before the master says it loaded.
        ok(24, 'r1'),
        refused(24, 'r4'),
        at('NOTICE', 1, 'Loading success.'),
        ok(24, 'r2'),
        // The old worker finishing its connections: what it says no longer counts.
        refused(8, 'r1'),
        at(
          'WARNING',
          8,
          'Server b/r1 is DOWN. 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
        ),
        ok(8, 'r9'),
        at('WARNING', 1, 'Former worker (8) exited with code 0 (Exit)'),
      ],
      'b',
    );
    expect(v.worker).toBe(24);
    expect(v.complete).toBe(true);
    expect(servers(v)).toEqual({
      r1: { status: 'UP', check: 'L4OK' },
      r2: { status: 'UP', check: 'L4OK' },
      r4: { status: 'DOWN', check: 'L4CON' },
    });
    expect([...v.exited]).toEqual([8]);
    expect(v.failedLoads).toBe(0);
  });

  it('before the new worker loads, the view is still the old worker', () => {
    const fold = new LbLogFold('b');
    for (const l of [
      at('NOTICE', 1, 'New worker (8) forked'),
      at('NOTICE', 1, 'Loading success.'),
      ok(8, 'r1'),
      at('NOTICE', 1, 'Reloading HAProxy'),
      at('NOTICE', 1, 'New worker (24) forked'),
      refused(24, 'r1'),
    ])
      fold.push(l);
    expect(fold.current().worker).toBe(8);
    expect(servers(fold.current())).toEqual({ r1: { status: 'UP', check: 'L4OK' } });
  });

  it('HAProxy 3.1+: Initializing new worker, and a worker that fails to load', () => {
    const fold = new LbLogFold(BACKEND_NAME);
    const line = (pid: number, server: string) =>
      at(
        'WARNING',
        pid,
        `Health check for server ${BACKEND_NAME}/${server} succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP.`,
      );
    for (const l of [
      at('NOTICE', 1, 'Initializing new worker (8)'),
      at('NOTICE', 1, 'Loading success.'),
      line(8, 'r1'),
      at('NOTICE', 1, 'Reloading HAProxy'),
      at('NOTICE', 1, 'Initializing new worker (31)'),
      // In 3.1+ the new worker parses the config: its alerts carry its PID.
      at('ALERT', 31, "config : parsing [/usr/local/etc/haproxy/haproxy.cfg:9] : unknown keyword 'bogus'"),
      at('WARNING', 1, 'Failed to load worker!'),
    ])
      fold.push(l);
    let v = fold.current();
    expect(v.worker).toBe(8);
    expect(v.complete).toBe(true);
    expect(v.failedLoads).toBe(1);
    expect(v.alerts).toEqual([
      "config : parsing [/usr/local/etc/haproxy/haproxy.cfg:9] : unknown keyword 'bogus'",
    ]);
    expect(servers(v)).toEqual({ r1: { status: 'UP', check: 'L4OK' } });

    // The next good reload clears the failure.
    for (const l of [
      at('NOTICE', 1, 'Reloading HAProxy (hard-reload)'),
      at('NOTICE', 1, 'Initializing new worker (40)'),
      at('NOTICE', 1, 'Loading success.'),
      line(40, 'r2'),
      at('WARNING', 1, 'Former worker (8) exited with code 0 (Exit)'),
    ])
      fold.push(l);
    v = fold.current();
    expect(v.worker).toBe(40);
    expect(v.failedLoads).toBe(0);
    expect(servers(v)).toEqual({ r2: { status: 'UP', check: 'L4OK' } });
    expect([...v.exited]).toEqual([8]);
  });

  it('a start that fails: no worker, not complete, the alerts', () => {
    const v = foldLbLog(
      [
        '[NOTICE]   (1) : haproxy version is 2.6.12-1+deb12u4',
        "[ALERT]    (1) : config : parsing [/usr/local/etc/haproxy/haproxy.cfg:2] : unknown keyword 'bogus-keyword' in 'global' section",
        '[ALERT]    (1) : config : Error(s) found in configuration file : /usr/local/etc/haproxy/haproxy.cfg',
        '[ALERT]    (1) : config : Fatal errors found in configuration.',
        '[WARNING]  (1) : Loading failure!',
      ],
      BACKEND_NAME,
    );
    expect(v.worker).toBeUndefined();
    expect(v.complete).toBe(false);
    expect(v.failedLoads).toBe(1);
    expect(v.alerts).toHaveLength(3);
    expect(v.alerts[2]).toBe('config : Fatal errors found in configuration.');
    expect(v.servers.size).toBe(0);
  });

  it('keeps the last ten alerts', () => {
    const v = foldLbLog(
      Array.from({ length: 25 }, (_, i) => at('ALERT', 1, `config : error ${i}`)),
      BACKEND_NAME,
    );
    expect(v.alerts).toEqual(Array.from({ length: 10 }, (_, i) => `config : error ${i + 15}`));
  });

  it('a log that starts mid-way (rotated): not complete, the newest live worker adopted', () => {
    const fold = new LbLogFold('b');
    // The old worker's last lines, its exit, then the current worker's.
    fold.push(ok(8, 'r1'));
    expect(fold.current()).toMatchObject({ worker: 8, complete: false });
    fold.push(at('WARNING', 1, 'Former worker (8) exited with code 0 (Exit)'));
    fold.push(refused(24, 'r2'));
    let v = fold.current();
    expect(v.worker).toBe(24);
    expect(v.complete).toBe(false);
    expect(servers(v)).toEqual({ r2: { status: 'DOWN', check: 'L4CON' } });
    // A worker that exited is never adopted again.
    fold.push(ok(8, 'r7'));
    expect(fold.current().worker).toBe(24);
    fold.push(ok(24, 'r1'));
    v = fold.current();
    expect(servers(v)).toEqual({
      r1: { status: 'UP', check: 'L4OK' },
      r2: { status: 'DOWN', check: 'L4CON' },
    });
    // Then a reload seen whole: complete from then on.
    for (const l of [
      at('NOTICE', 1, 'Reloading HAProxy'),
      at('NOTICE', 1, 'New worker (41) forked'),
      ok(41, 'r3'),
      at('NOTICE', 1, 'Loading success.'),
      // The previous worker is not adopted back once the log is complete.
      ok(24, 'r4'),
    ])
      fold.push(l);
    v = fold.current();
    expect(v.worker).toBe(41);
    expect(v.complete).toBe(true);
    expect(servers(v)).toEqual({ r3: { status: 'UP', check: 'L4OK' } });
  });

  it('a rotated log: a forked worker not yet loaded is not adopted', () => {
    const v = foldLbLog(
      [
        ok(8, 'r1'),
        at('NOTICE', 1, 'Reloading HAProxy'),
        at('NOTICE', 1, 'New worker (24) forked'),
        ok(24, 'r2'),
      ],
      'b',
    );
    expect(v.worker).toBe(8);
    expect(v.complete).toBe(false);
    expect(servers(v)).toEqual({ r1: { status: 'UP', check: 'L4OK' } });
  });

  it('MAINT (an admin change: no check result), NOLB and DRAIN (keeping the last check result)', () => {
    const v = foldLbLog(
      [
        at('NOTICE', 1, 'New worker (8) forked'),
        at('NOTICE', 1, 'Loading success.'),
        ok(8, 'r1'),
        ok(8, 'r2'),
        ok(8, 'r3', 'Layer7 check passed, code: 200'),
        at(
          'WARNING',
          8,
          'Server b/r1 is going DOWN for maintenance (DNS NX status). 2 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
        ),
        at(
          'WARNING',
          8,
          'Server b/r2 is stopping. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
        ),
        at(
          'WARNING',
          8,
          'Health check for server b/r3 succeeded, reason: Layer7 check passed, code: 200, check duration: 2ms, status: 3/3 DRAIN.',
        ),
      ],
      'b',
    );
    expect(servers(v)).toEqual({
      r1: { status: 'MAINT', check: '' },
      r2: { status: 'NOLB', check: 'L4OK' },
      r3: { status: 'DRAIN', check: 'L7OK', code: 200 },
    });
  });

  it("keeps an HTTP check's status code until another check's result or an admin change", () => {
    const v = foldLbLog(
      [
        at('NOTICE', 1, 'New worker (8) forked'),
        at('NOTICE', 1, 'Loading success.'),
        at(
          'WARNING',
          8,
          'Health check for server b/r1 failed, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: 1ms, status: 0/2 DOWN.',
        ),
        at('WARNING', 8, 'Server b/r1 is DOWN. 1 active and 0 backup servers left.'),
        at(
          'WARNING',
          8,
          'Health check for server b/r2 succeeded, reason: Layer7 check passed, code: 204, check duration: 1ms, status: 3/3 UP.',
        ),
        at(
          'WARNING',
          8,
          'Health check for server b/r2 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 2/3 UP.',
        ),
        at(
          'WARNING',
          8,
          'Health check for server b/r3 succeeded, reason: Layer7 check passed, code: 200, check duration: 1ms, status: 3/3 UP.',
        ),
        at('WARNING', 8, 'Server b/r3 is going DOWN for maintenance. 2 active and 0 backup servers left.'),
      ],
      'b',
    );
    expect(servers(v)).toEqual({
      r1: { status: 'DOWN', check: 'L7STS', code: 503 },
      r2: { status: 'UP', check: 'L4CON' },
      r3: { status: 'MAINT', check: '' },
    });
  });

  it('a server that comes back from maintenance when its name resolves again (captured)', () => {
    const v = foldLbLog(
      [
        at('NOTICE', 1, 'New worker (8) forked'),
        at('NOTICE', 1, 'Loading success.'),
        "[WARNING]  (8) : Server svc_replicas/r1 ('svc-up') is UP/READY (resolves again).",
        '[WARNING]  (8) : Server svc_replicas/r1 administratively READY thanks to valid DNS answer.',
      ],
      'svc_replicas',
    );
    // UP in HAProxy's eyes, but no check has passed yet: not "passed" for svc.
    expect(servers(v)).toEqual({ r1: { status: 'UP', check: '' } });
    expect(isPassedCheck(v.servers.get('r1')?.check)).toBe(false);
  });

  it('other backends and unrelated lines are ignored', () => {
    const lines = [
      at('NOTICE', 1, 'New worker (8) forked'),
      at('NOTICE', 1, 'Loading success.'),
      ok(8, 'r1'),
      at(
        'WARNING',
        8,
        'Health check for server other/r1 failed, reason: Layer4 timeout, check duration: 2000ms, status: 0/2 DOWN.',
      ),
      at(
        'WARNING',
        8,
        'Server other/r2 is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      ),
      at('WARNING', 8, 'Proxy svc_frontend stopped (cumulated conns: FE: 0, BE: 0).'),
      'Health check for server b/r1 failed, reason: Layer4 timeout, check duration: 2000ms, status: 0/2 DOWN.',
      '127.0.0.1:41234 [01/Dec/2026:11:36:46.905] svc_frontend svc_replicas/r1 0/0/0/1/1 200 123 - - --NI 1/1/0/0/0 0/0 "GET / HTTP/1.1"',
      '',
    ];
    const v = foldLbLog(lines, 'b');
    expect(servers(v)).toEqual({ r1: { status: 'UP', check: 'L4OK' } });
    expect(v.alerts).toEqual([]);
    expect(v.failedLoads).toBe(0);
  });

  it('folds docker-timestamped lines the same as plain ones', () => {
    const stamped = CAPTURED_2_6.map(
      (l, i) => `2026-12-01T11:36:${String(40 + i).padStart(2, '0')}.905123456Z ${l}`,
    );
    expect(foldLbLog(stamped, 'b')).toEqual(foldLbLog(CAPTURED_2_6, 'b'));
  });
});
