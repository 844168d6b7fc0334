/**
 * Preload (`node -r ./bench/engine-trace.cjs bin/svc.js …`) that times every Docker Engine API
 * call svc makes and prints them to stderr at exit: when it started and ended (ms since the
 * process started) and the call count, to see where a command's time goes.
 *
 *   SVC_TENANT=… node -r ./bench/engine-trace.cjs bin/svc.js create … --wait
 *
 * A long-running process (svc serve) says on SIGUSR2, in one line on stderr starting
 * `engine-trace `, the calls so far by kind (IDs and names as `:id`) and its CPU time: two such
 * marks give what a span of time cost.
 */
const http = require('node:http');

const calls = [];
const original = http.request;
http.request = function tracedRequest(options, ...rest) {
  const call = {
    start: performance.now(),
    end: undefined,
    what: `${options.method ?? 'GET'} ${String(options.path ?? '').split('?')[0]}`,
  };
  calls.push(call);
  const req = original.call(this, options, ...rest);
  req.on('response', (res) => {
    res.on('end', () => {
      call.end = performance.now();
    });
    res.on('close', () => {
      call.end ??= performance.now();
    });
  });
  return req;
};

/** `GET /containers/:id/json`: a call's kind, whatever it was called on. */
const kind = (what) =>
  what.replace(/\/(containers|exec|networks|volumes)\/(?!json$|create$)[^/]+/, '/$1/:id');

process.on('SIGUSR2', () => {
  const byKind = {};
  for (const c of calls) byKind[kind(c.what)] = (byKind[kind(c.what)] ?? 0) + 1;
  const cpu = process.cpuUsage();
  const mark = { calls: calls.length, byKind, cpuMs: (cpu.user + cpu.system) / 1000, ms: performance.now() };
  process.stderr.write(`engine-trace ${JSON.stringify(mark)}\n`);
});

process.on('exit', () => {
  const ms = (t) => (t === undefined ? '     –' : t.toFixed(0).padStart(6));
  const id = (s) => s.replace(/[0-9a-f]{64}/g, (h) => h.slice(0, 12));
  const lines = calls.map((c) => `${ms(c.start)} ${ms(c.end)}  ${id(c.what)}`);
  process.stderr.write(
    [
      '',
      ' start    end  engine call (ms since the process started)',
      ...lines,
      `${calls.length} engine calls; process exits at ${performance.now().toFixed(0)} ms`,
      '',
    ].join('\n'),
  );
});
