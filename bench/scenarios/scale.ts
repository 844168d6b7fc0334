/** `scale`: svc scale 10 → 50 → 10. */
import { budget, cell, fmt, type Scenario, table } from '../lib/report.js';
import { freePort, log, svc } from '../lib/run.js';
import { svcCleanup, svcCreate } from '../lib/svc.js';

export const scale: Scenario = {
  name: 'scale',
  about: 'svc scale 10 → 50 → 10 (--scale-runs)',
  async run(opts, out) {
    const b = budget('scale', 1200, opts);
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < opts.scaleRuns && b.ok(out.notes); i++) {
      const c = await svcCreate('sc', 10, await freePort());
      if (c.code !== 0) throw new Error(`svc create failed: ${c.stderr.slice(0, 400)}`);
      const u = await svc(['scale', 'sc=50', '--timeout', '300s'], 330_000);
      const d = await svc(['scale', 'sc=10', '--timeout', '300s'], 330_000);
      await svcCleanup();
      if (u.code !== 0 || d.code !== 0)
        throw new Error(`svc scale failed: ${u.stderr}${d.stderr}`.slice(0, 400));
      up.push(u.ms);
      down.push(d.ms);
      log(`scale run ${i + 1}: 10→50 ${fmt(u.ms, 's')}, 50→10 ${fmt(d.ms, 's')}`);
    }
    out.raw.scale = { up, down };
    out.tables.push(
      table(
        'svc scale',
        ['change', 'median (min–max)'],
        [
          ['10 → 50', cell(up, 's')],
          ['50 → 10', cell(down, 's')],
        ],
      ),
    );
  },
};
