/** `svc update-cert --ssl-cert FILE NAME`: swap an httpsTerm service's certificate, hitlessly. */
import { Command } from 'commander';
import { updateCert } from '../core/services.js';
import { UsageError } from '../errors.js';
import { resolveField } from '../spec/resolve-spec.js';
import { addChangeOptions, addCommonOptions, type ChangeFlags, readInputFile, runChanges } from './common.js';

const EXAMPLES = `
Examples:
  $ cat fullchain.pem privkey.pem > web.pem
  $ svc update-cert --ssl-cert web.pem web

The new certificate is checked first (it parses, the key matches, it has not expired unless
--allow-expired), then HAProxy itself checks the config with it before anything changes.
Connections already open finish on the old certificate; new ones get the new one. Prints the
service (SSLCert shows subject, notAfter and SHA-256 fingerprint, never the key).
`;

interface UpdateCertFlags extends ChangeFlags {
  sslCert?: string;
  allowExpired?: boolean;
}

async function run(name: string, flags: UpdateCertFlags): Promise<void> {
  if (!flags.sslCert) throw new UsageError('give the new certificate and key: --ssl-cert FILE');
  const { text } = readInputFile(flags.sslCert, '--ssl-cert');
  const pem = resolveField(
    'SSLCert',
    { flag: '--ssl-cert', value: text, location: flags.sslCert },
    { allowExpired: Boolean(flags.allowExpired) },
  );
  if (pem === '') throw new UsageError('--ssl-cert: the file is empty');
  return runChanges([name], flags, `updating the certificate of ${name}`, (core, n, opts) =>
    updateCert(core, n, pem, { ...opts, onProgress: (x) => opts.onProgress?.(`${n}: ${x}`) }),
  );
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
  addChangeOptions(cmd, 'how long the reload may take', '60s');
  addCommonOptions(cmd, ['json', 'yaml']);
  cmd.addHelpText('after', EXAMPLES);
  cmd.action((name: string, flags: UpdateCertFlags) => run(name, flags));
  return cmd;
}
