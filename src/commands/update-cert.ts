/** `svc update-cert --ssl-cert FILE NAME`: swap an httpsTerm service's certificate, hitlessly. */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { connectEngine } from '../engine/connect.js';
import { UsageError } from '../errors.js';
import { parseOutputFormat } from '../output/format.js';
import { resolveTenant } from '../service/tenant.js';
import { updateCert } from '../service/update-cert.js';
import { addCommonOptions, type CommonOptions, printChangedServices } from './common.js';
import { startProgress } from './progress.js';

const EXAMPLES = `
Examples:
  $ cat fullchain.pem privkey.pem > web.pem
  $ svc update-cert --ssl-cert web.pem web

The new certificate is checked first (it parses, the key matches, it has not expired unless
--allow-expired). Connections already open finish on the old certificate; new ones get the new
one. Prints the service (SSLCert shows subject, notAfter and SHA-256 fingerprint, never the key).
`;

interface UpdateCertFlags extends CommonOptions {
  sslCert?: string;
  allowExpired?: boolean;
}

async function run(name: string, flags: UpdateCertFlags): Promise<void> {
  parseOutputFormat(flags.output ?? 'json', ['json', 'yaml']);
  if (!flags.sslCert) throw new UsageError('give the new certificate and key: --ssl-cert FILE');
  let text: string;
  try {
    text = readFileSync(flags.sslCert, 'utf8');
  } catch (err) {
    throw new UsageError(
      `--ssl-cert ${flags.sslCert}: cannot read it: ${(err as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  const tenant = resolveTenant(flags.tenant);
  const engine = await connectEngine();
  const progress = await startProgress(`updating the certificate of ${name}`);
  try {
    await updateCert(
      engine,
      tenant,
      name,
      { text, location: flags.sslCert },
      { allowExpired: Boolean(flags.allowExpired), onProgress: (x) => progress.update(`${name}: ${x}`) },
    );
  } finally {
    progress.stop();
  }
  await printChangedServices(engine, tenant, [name], flags);
}

export function updateCertCommand(): Command {
  const cmd = new Command('update-cert')
    .summary("replace an httpsTerm service's certificate without dropping connections")
    .description(
      'Replace the SSLCert (certificate chain and private key, PEM) of an httpsTerm service. The load balancer reloads hitlessly.',
    )
    .argument('<name>', 'service name')
    .option('--ssl-cert <file>', 'PEM file with the certificate (chain) and its private key')
    .option('--allow-expired', 'accept a certificate that has expired');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((name: string, flags: UpdateCertFlags) => run(name, flags));
  return cmd;
}
