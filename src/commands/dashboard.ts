/**
 * `svc dashboard`: the live page of this installation's services, served by a `svc serve` on a
 * free loopback port; prints a link that signs the browser in once (a one-time token, as Jupyter
 * prints), and opens it with --open.
 */
import { spawn, spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { chooseBackend } from '../backends/index.js';
import { configDir, resolveTenant } from '../core/tenant.js';
import { connectEngine } from '../engine/connect.js';
import { UsageError } from '../errors.js';
import { version } from '../version.js';
import { note, resolveLbImage } from './common.js';
import { keyStore, untilSignalled } from './serve.js';

const EXAMPLES = `
Examples:
  $ svc dashboard                  # prints http://127.0.0.1:PORT/?token=…; Ctrl-C stops it
  $ svc dashboard --open           # and opens it in the browser (xdg-open, open, start)
  $ svc dashboard --port 8099 --tenant 0123456789abcdef0123456789abcdef

The link signs one browser in, once (the token is then used up): the page keeps a session cookie
(HttpOnly, SameSite=Strict) until this command stops. The page shows every service of the
tenant, live: status, replicas and what the load balancer says of each, requests, errors and
response times over the last minutes, and a change in progress step by step, whichever process
runs it. The server is svc serve on 127.0.0.1 (plain HTTP, loopback only): the API answers there
too, with the keys of svc serve keys. See docs/dashboard.md.
`;

interface DashboardFlags {
  port: string;
  open?: boolean;
  tenant?: string;
  lbImage?: string;
}

/** The command that opens a URL in the desktop's browser here, if there is one. */
export function browserOpener(platform: string = process.platform): string[] | undefined {
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  const found = spawnSync('sh', ['-c', 'command -v xdg-open'], { encoding: 'utf8' });
  return found.status === 0 && found.stdout.trim() ? [found.stdout.trim()] : undefined;
}

function openInBrowser(url: string): void {
  const opener = browserOpener();
  if (!opener) {
    note('no browser opener here (xdg-open): open the link yourself');
    return;
  }
  const [cmd, ...args] = opener as [string, ...string[]];
  const child = spawn(cmd, [...args, url], { detached: true, stdio: 'ignore' });
  child.on('error', (err) => note(`could not open the browser (${err.message}): open the link yourself`));
  child.unref();
}

async function dashboard(flags: DashboardFlags): Promise<void> {
  const port = Number(flags.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: expected a port number (0 for any free one), got "${flags.port}"`);
  const tenant = resolveTenant(flags.tenant);
  const { ApiServer } = await import('../server/server.js');
  const engine = await connectEngine();
  await engine.ping();
  const keys = await keyStore(configDir());
  // Requests are not logged one a line here (svc serve does): only what failed.
  const log = (entry: Record<string, unknown>) => {
    if (typeof entry.status === 'number' && entry.status >= 500)
      process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  const api = new ApiServer({
    engine,
    keys,
    lbImage: resolveLbImage(flags.lbImage),
    backend: chooseBackend(undefined),
    version: version(),
    log,
  });
  const address = await api.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${address.port}/?token=${api.dashboard.sessions.oneTimeToken(tenant)}`;
  process.stdout.write(`${url}\n`);
  note('the link signs one browser in, once; Ctrl-C stops the dashboard');
  if (flags.open) openInBrowser(url);
  await untilSignalled(api, () => undefined);
}

export function dashboardCommand(): Command {
  const cmd = new Command('dashboard')
    .summary('a live page of the services in the browser (prints its link)')
    .description(
      'Serve the live dashboard of the tenant’s services on a free loopback port and print a link that signs the browser in once.',
    )
    .option('--port <port>', 'port on 127.0.0.1 (0: any free one)', '0')
    .option('--open', 'open the link in the browser (xdg-open, open, start)')
    .option('--tenant <id>', 'tenant id, 32 hex (env SVC_TENANT; default: this installation)')
    .option(
      '--lb-image <image>',
      'HAProxy image of load balancers created through its API (env SVC_LB_IMAGE)',
    );
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: DashboardFlags) => dashboard(flags));
  return cmd;
}
