/** `svc serve`: the original Service HTTP API on this machine; `svc serve keys …`: its access keys. */
import { isIP } from 'node:net';
import { Command } from 'commander';
import { BACKEND_HELP, chooseBackend } from '../backends/index.js';
import type { Backend } from '../core/backend.js';
import { configDir, resolveTenant } from '../core/tenant.js';
import { connectEngine } from '../engine/connect.js';
import type { Engine } from '../engine/engine.js';
import { UsageError } from '../errors.js';
import { formatJson, formatTable, parseOutputFormat } from '../output/format.js';
import type { KeyStore } from '../server/keys.js';
import type { ApiServer } from '../server/server.js';
import { version } from '../version.js';
import { resolveLbImage } from './common.js';

const EXAMPLES = `
Examples:
  $ svc serve keys create --tenant $(cat ~/.config/svc/tenant)   # prints AccessKey and SecretKey (once)
  $ svc serve                                   # https://127.0.0.1:8443, self-signed certificate
  $ svc serve --listen 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem
  $ svc serve --insecure-http --listen 127.0.0.1:8080
  $ svc serve --allow-host-path /srv/static --allow-fip 0.0.0.0 --fip-ports 8000-8999
  $ curl -H "Authorization: Bearer $SECRET" http://127.0.0.1:8080/v1.23/services

Requests carry Authorization: Bearer SECRET, or the original's HYPER-HMAC-SHA256 signature
(see docs/api.md). Each access key belongs to one tenant and sees only its services.
A key acts for a tenant, not for the engine's owner: it cannot mount the engine's socket or any
host path (except read-only under --allow-host-path directories, resolved on the engine's host),
publish a FIP on an address other than --allow-fip's or a port outside --fip-ports, or set labels
in Docker's reserved namespaces (403, naming the field). Its named volumes are its own.
Images are pulled only with a request's own registry login (its X-Registry-Auth header), never
with the docker login of the user running svc serve.
One JSON access-log line per request goes to stderr. SIGTERM/SIGINT: requests in flight finish,
no new ones are taken; a second signal stops at once.
`;

interface ServeFlags {
  listen: string;
  allowHostPath: string[];
  allowFip: string[];
  fipPorts: string;
  tlsCert?: string;
  tlsKey?: string;
  insecureHttp?: boolean;
  lbImage?: string;
  backend?: string;
}

export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || host === '' || !(port >= 0 && port <= 65535))
    throw new UsageError(`--listen: expected HOST:PORT such as 127.0.0.1:8443 or [::1]:8443, got "${value}"`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host.toLowerCase() === '::ffff:127.0.0.1';
}

/** The access keys; src/server/ loads only for `svc serve` and its subcommands. */
export async function keyStore(dir = configDir()): Promise<KeyStore> {
  const { KeyStore } = await import('../server/keys.js');
  return new KeyStore(dir);
}

/** What keys may ask beyond the spec (--allow-host-path, --allow-fip, --fip-ports), checked on the engine. */
async function servePolicy(engine: Engine, lbImage: string, backend: Backend, flags: ServeFlags) {
  const { parseFips, parseFipPorts, parseHostPrefixes, engineForbiddenPaths, DEFAULT_FIPS } = await import(
    '../server/policy.js'
  );
  const policy = {
    hostPaths: [] as string[],
    fips: flags.allowFip.length > 0 ? parseFips(flags.allowFip) : DEFAULT_FIPS,
    fipPorts: parseFipPorts(flags.fipPorts),
  };
  if (flags.allowHostPath.length === 0) return { policy };
  if (!backend.onEngineHost)
    throw new UsageError(
      `--allow-host-path: host paths are not mounted through the API on the ${backend.name} backend (its replicas may run on other hosts than the engine's)`,
    );
  const { currentEndpoint } = await import('../engine/endpoint.js');
  const rootDir = (await engine.info()).raw?.DockerRootDir;
  const forbidden = engineForbiddenPaths(
    typeof rootDir === 'string' ? rootDir : undefined,
    currentEndpoint().socketPath,
  );
  policy.hostPaths = parseHostPrefixes(flags.allowHostPath, forbidden);
  const { checkPrefixes } = await import('../server/host-paths.js');
  return { policy, hostPathCheckMs: await checkPrefixes(engine, lbImage, policy.hostPaths) };
}

const log = (entry: Record<string, unknown>) => process.stderr.write(`${JSON.stringify(entry)}\n`);

async function serve(flags: ServeFlags): Promise<void> {
  const { host, port } = parseListen(flags.listen);
  if (flags.insecureHttp && (flags.tlsCert || flags.tlsKey))
    throw new UsageError('--insecure-http serves plain HTTP: give it without --tls-cert/--tls-key');
  if (flags.insecureHttp && !isLoopback(host))
    throw new UsageError(
      `--insecure-http is allowed only on a loopback address (127.0.0.1, ::1), not ${host}: credentials would cross the network in clear`,
    );
  // The server and its TLS set-up load only here: every other command would pay for them.
  const [{ ApiServer }, { loadTls }] = await Promise.all([
    import('../server/server.js'),
    import('../server/tls.js'),
  ]);
  const dir = configDir();
  const tls = flags.insecureHttp ? undefined : loadTls(flags.tlsCert, flags.tlsKey, dir);
  const engine = await connectEngine();
  const keys = await keyStore(dir);
  const lbImage = resolveLbImage(flags.lbImage);
  const backend = chooseBackend(flags.backend);
  const { policy, hostPathCheckMs } = await servePolicy(engine, lbImage, backend, flags);
  const api = new ApiServer({ engine, keys, lbImage, backend, policy, version: version(), tls, log });
  const address = await api.listen(port, host);
  const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  log({
    time: new Date().toISOString(),
    msg: 'listening',
    url: `${tls ? 'https' : 'http'}://${shown}:${address.port}`,
    ...(tls ? { certificate: tls.certPath, generated: tls.generated } : {}),
    keys: keys.path,
    policy: { ...policy, ...(hostPathCheckMs !== undefined ? { hostPathCheckMs } : {}) },
  });
  if (keys.list().length === 0)
    log({ time: new Date().toISOString(), msg: 'no access keys yet: create one with svc serve keys create' });

  await untilSignalled(api);
}

/**
 * Serve until SIGTERM or SIGINT: then no new connections or requests, those in flight finish (the
 * dashboard's feeds end); a second signal stops at once. Exits the process when done.
 */
export async function untilSignalled(api: ApiServer, say: (entry: Record<string, unknown>) => void = log) {
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        say({ time: new Date().toISOString(), msg: 'stopping now', signal });
        api.closeNow();
        process.exit(130);
      }
      say({ time: new Date().toISOString(), msg: 'shutting down', signal, inFlight: api.busy });
      void api.close().then(() => {
        say({ time: new Date().toISOString(), msg: 'stopped' });
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
        resolve();
      });
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  });
  // The engine client may keep idle connections open; nothing is left to do.
  process.exit(0);
}

function keysCommand(): Command {
  const keys = new Command('keys').summary('manage the API access keys (one tenant each)');
  keys
    .command('create')
    .summary('create an access key for a tenant; prints its secret, once')
    .option('--tenant <id>', 'tenant the key acts as (default: this installation, or SVC_TENANT)')
    .action(async (flags: { tenant?: string }) => {
      const key = (await keyStore()).create(resolveTenant(flags.tenant));
      process.stdout.write(formatJson(key));
      process.stderr.write(
        'note: the SecretKey is shown only now; use it as a Bearer token or to sign requests\n',
      );
    });
  keys
    .command('ls')
    .alias('list')
    .summary('list the access keys (never their secrets)')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('-q, --quiet', 'access keys only')
    .action(async (flags: { output: string; quiet?: boolean }) => {
      const format = parseOutputFormat(flags.output, ['table', 'json']);
      const list = (await keyStore())
        .list()
        .map((k) => ({ AccessKey: k.AccessKey, Tenant: k.Tenant, Created: k.Created }));
      if (flags.quiet) process.stdout.write(list.map((k) => `${k.AccessKey}\n`).join(''));
      else if (format === 'json') process.stdout.write(formatJson(list));
      else
        process.stdout.write(
          formatTable(
            ['ACCESS KEY', 'TENANT', 'CREATED'],
            list.map((k) => [k.AccessKey, k.Tenant, k.Created]),
          ),
        );
    });
  keys
    .command('rm')
    .alias('remove')
    .summary('remove access keys (requests signed with them are refused at once)')
    .argument('<accessKey...>')
    .action(async (aks: string[]) => {
      const store = await keyStore();
      for (const ak of aks) {
        store.remove(ak);
        process.stdout.write(`${ak}\n`);
      }
    });
  return keys;
}

const collect = (value: string, all: string[]) => [...all, value];

export function serveCommand(): Command {
  const cmd = new Command('serve')
    .summary('serve the original Service HTTP API (create, list, inspect, update, remove)')
    .description(
      'Serve the Hyper.sh Service API (version 1.23 paths, signed requests) on the same core as the CLI. ' +
        'HTTPS by default, with a self-signed certificate made once (openssl) in the config dir.',
    )
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--tls-cert <file>', 'PEM certificate (chain) to serve')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--insecure-http', 'plain HTTP instead of HTTPS; only on a loopback address')
    .option('--lb-image <image>', 'HAProxy image of the load balancers (env SVC_LB_IMAGE)')
    .option(
      '--allow-host-path <dir>',
      'let keys mount host paths under this directory, read-only (repeatable; default: none)',
      collect,
      [],
    )
    .option(
      '--allow-fip <address>',
      'let keys publish on this address (repeatable; default: 127.0.0.1 and ::1)',
      collect,
      [],
    )
    .option('--fip-ports <low-high>', 'host ports keys may publish on', '1024-65535')
    .option('--backend <backend>', BACKEND_HELP.serve)
    .addCommand(keysCommand());
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((flags: ServeFlags) => serve(flags));
  // Errors of the subcommands are reported by src/cli.ts like every other command's.
  for (const c of [cmd.commands, ...cmd.commands.map((k) => k.commands)].flat()) {
    c.exitOverride();
    c.configureOutput({ outputError: () => undefined });
  }
  return cmd;
}
