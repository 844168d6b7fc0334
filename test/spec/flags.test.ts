import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CREATE_FLAGS, flagsToInput, parseLinesFile, registerCreateFlags } from '../../src/spec/flags.js';
import { parseSpecDocument } from '../../src/spec/parse-document.js';
import { resolveSpec } from '../../src/spec/resolve-spec.js';
import { splitShellWords } from '../../src/spec/shell-words.js';
import { makeCerts, type TestCerts } from '../support/certs.js';
import { asyncIssuesOf, BASE, issuesOf } from './helpers.js';

const fixturePath = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts();
});
afterAll(() => certs.cleanup());

interface Parsed {
  image: string | undefined;
  cmd: string[];
  opts: Record<string, unknown>;
}

/** A `create` command as the CLI builds it, with the spec flags registered. */
function createCommand(): { cmd: Command; parse(argv: string[]): Promise<Parsed> } {
  const cmd = new Command('create')
    .argument('[image]')
    .argument('[cmd...]')
    .option('-f, --file <file>')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerCreateFlags(cmd);
  let parsed: Parsed | undefined;
  cmd.action((image: string | undefined, args: string[], opts: Record<string, unknown>) => {
    parsed = { image, cmd: args, opts };
  });
  return {
    cmd,
    async parse(argv) {
      await cmd.parseAsync(argv, { from: 'user' });
      if (!parsed) throw new Error('action not run');
      return parsed;
    },
  };
}

/** argv → FlagInput → ServiceSpec, optionally over a spec file text. */
async function resolveArgv(argv: string[], fileText?: string, env: NodeJS.ProcessEnv = {}) {
  const { image, cmd, opts } = await createCommand().parse(argv);
  const flags = await flagsToInput(opts, { image, cmd }, env);
  return resolveSpec({
    file: fileText === undefined ? undefined : parseSpecDocument('s.yaml', fileText),
    flags,
  });
}

describe('CREATE_FLAGS', () => {
  it("has the old CLI's flags plus --image, --fip, --health-check-path and --stop-timeout", () => {
    expect(CREATE_FLAGS.map((f) => f.long).sort()).toEqual(
      `--name --image --size --service-port --container-port --replicas --protocol --algorithm
       --session-affinity --health-check-interval --health-check-fall --health-check-rise --ssl-cert
       --stop-signal --entrypoint --env --env-file --label --label-file --sg --volume --workdir
       --interactive --tty --fip --health-check-path --stop-timeout`
        .split(/\s+/)
        .sort(),
    );
  });
  it('has the short flags of the old CLI', () => {
    const short = Object.fromEntries(CREATE_FLAGS.map((f) => [f.long, /^-[a-z]\b/.exec(f.flags)?.[0]]));
    expect(short).toMatchObject({
      '--env': '-e',
      '--label': '-l',
      '--volume': '-v',
      '--workdir': '-w',
      '--interactive': '-i',
      '--tty': '-t',
    });
  });
  it('derives help with defaults from the schema', () => {
    const byLong = Object.fromEntries(CREATE_FLAGS.map((f) => [f.long, f]));
    expect(byLong['--replicas']?.description).toBe('number of replica containers (1–1000) (default: 1)');
    expect(byLong['--protocol']?.description).toMatch(
      /^protocol: http, https, tcp, httpsTerm .*\(default: tcp\)$/,
    );
    expect(byLong['--service-port']?.description).toMatch(/\(required, here or in the spec file\)$/);
    expect(byLong['--container-port']?.description).toMatch(/\(default: the service port\)$/);
    expect(byLong['--env']?.description).toMatch(/\(repeatable\)$/);
    expect(byLong['--tty']?.description).toMatch(/--no-tty to turn off/);
    expect(byLong['--env']).toMatchObject({ field: 'Env', attributeName: 'env', repeatable: true });
    expect(byLong['--env-file']).toMatchObject({ field: 'Env', attributeName: 'envFile', file: 'lines' });
    expect(byLong['--ssl-cert']).toMatchObject({
      field: 'SSLCert',
      attributeName: 'sslCert',
      file: 'content',
    });
    expect(byLong['--interactive']).toMatchObject({
      field: 'Stdin',
      attributeName: 'interactive',
      negatable: true,
    });
  });
  it('registers on a commander command, hiding the --no- switches', () => {
    const raw = createCommand().cmd.helpInformation();
    const help = raw.replace(/\s+/g, ' ');
    expect(help).toContain('-e, --env <NAME=VALUE>');
    expect(help).toContain('--replicas <n>');
    expect(help).toContain('(default: 1)');
    expect(help).toContain('(required, here or in the spec file)');
    expect(raw).not.toMatch(/^\s+--no-tty/m);
  });
});

describe('flagsToInput', () => {
  it('holds only the flags given', async () => {
    const { image, cmd, opts } = await createCommand().parse(['--replicas', '3', '-t']);
    expect(await flagsToInput(opts, { image, cmd })).toEqual({
      fields: {
        Replicas: [{ flag: '--replicas', value: '3' }],
        Tty: [{ flag: '--tty', value: true }],
      },
    });
  });
  it('turns IMAGE and CMD… into Image and Cmd', async () => {
    expect(await flagsToInput({}, { image: 'nginx', cmd: ['nginx', '-g', 'daemon off;'] })).toEqual({
      fields: {
        Image: [{ flag: 'IMAGE', value: 'nginx' }],
        Cmd: [{ flag: 'CMD', value: ['nginx', '-g', 'daemon off;'] }],
      },
    });
  });
  it('refuses IMAGE together with --image', async () => {
    const input = await flagsToInput({ image: 'nginx' }, { image: 'redis', cmd: [] });
    expect(input.issues).toEqual([
      { path: 'IMAGE', message: 'the image is given twice (IMAGE "redis" and --image); give one' },
    ]);
    expect(issuesOf(() => resolveSpec({ flags: input }))).toContainEqual(input.issues?.[0]);
  });
  it('reads env and label files line by line, with locations, before -e and -l', async () => {
    const envFile = fixturePath('env.list');
    const input = await flagsToInput(
      { env: ['MODE=flag'], envFile: [envFile], labelFile: [fixturePath('labels.list')] },
      { cmd: [] },
    );
    expect(input.fields.Env).toEqual([
      { flag: '--env-file', value: 'MODE=file', location: `${envFile}:3:1` },
      { flag: '--env-file', value: 'INDENTED=yes', location: `${envFile}:4:3` },
      { flag: '--env-file', value: 'FROM_FILE=a=b', location: `${envFile}:5:1` },
      { flag: '--env', value: 'MODE=flag' },
    ]);
    expect(input.fields.Labels?.map((v) => v.value)).toEqual(['tier=back', 'team=core']);
  });
  it('takes -e NAME from the environment, dropping it when unset (as docker does)', async () => {
    const input = await flagsToInput({ env: ['HOME', 'UNSET_VAR', 'A=1'] }, { cmd: [] }, { HOME: '/root' });
    expect(input.fields.Env?.map((v) => v.value)).toEqual(['HOME=/root', 'A=1']);
  });
  it('reads --ssl-cert, located at the file', async () => {
    const input = await flagsToInput({ sslCert: certs.leaf.certFile }, { cmd: [] });
    expect(input.fields.SSLCert).toEqual([
      { flag: '--ssl-cert', value: certs.leaf.cert, location: certs.leaf.certFile },
    ]);
  });
  it('reports unreadable files at their flag', async () => {
    const missing = join(certs.dir, 'missing.pem');
    const input = await flagsToInput(
      { sslCert: missing, envFile: [certs.dir], labelFile: [missing] },
      { cmd: [] },
    );
    expect(input.issues).toEqual([
      { path: '--env-file', message: `cannot read ${certs.dir}: is a directory` },
      { path: '--label-file', message: `cannot read ${missing}: no such file` },
      { path: '--ssl-cert', message: `cannot read ${missing}: no such file` },
    ]);
    expect(input.fields).toEqual({});
  });
});

describe('parseLinesFile', () => {
  it("follows docker's env-file format", () => {
    expect(
      parseLinesFile('\uFEFFA=1\r\n# c\r\n\r\n   # indented comment\n B = 2 \n', 'f', '--env-file'),
    ).toEqual([
      { flag: '--env-file', value: 'A=1', location: 'f:1:1' },
      { flag: '--env-file', value: 'B = 2 ', location: 'f:5:2' },
    ]);
  });
});

describe('create flags end to end', () => {
  it('parse an argv with commander and resolve it', async () => {
    const envFile = fixturePath('env.list');
    writeFileSync(join(certs.dir, 'both.pem'), certs.leaf.pem);
    const ok = await resolveArgv(
      splitShellWords(`
        --name web --service-port 8080 --container-port 80 --replicas 3
        --protocol HTTPSTERM --ssl-cert ${join(certs.dir, 'both.pem')}
        --algorithm leastconn --session-affinity --health-check-interval 10
        --health-check-fall 4 --health-check-rise 5 --size M1 --stop-signal quit
        --entrypoint '/docker-entrypoint.sh -x' -e A=1 --env MODE=flag --env-file ${envFile}
        -l app=web --label tier=front --sg web --sg ssh -v data:/data --volume /srv:/srv:ro
        -w /app -i -t --fip 127.0.0.1 --health-check-path /healthz?full=1 --stop-timeout 0
        nginx:1.27 -- nginx -g 'daemon off;'
      `),
    );
    expect(ok).toEqual({
      Name: 'web',
      Image: 'nginx:1.27',
      WorkingDir: '/app',
      ContainerSize: 'm1',
      SSLCert: certs.leaf.pem,
      NetMode: '',
      StopSignal: 'SIGQUIT',
      ServicePort: 8080,
      ContainerPort: 80,
      Replicas: 3,
      HealthCheckInterval: 10,
      HealthCheckFall: 4,
      HealthCheckRise: 5,
      Algorithm: 'leastconn',
      Protocol: 'httpsTerm',
      Stdin: true,
      Tty: true,
      SessionAffinity: true,
      Entrypoint: ['/docker-entrypoint.sh', '-x'],
      Cmd: ['nginx', '-g', 'daemon off;'],
      Env: ['MODE=flag', 'INDENTED=yes', 'FROM_FILE=a=b', 'A=1'],
      Volumes: ['data:/data', '/srv:/srv:ro'],
      Labels: { app: 'web', tier: 'front' },
      SecurityGroups: ['web', 'ssh'],
      FIP: '127.0.0.1',
      HealthCheckPath: '/healthz?full=1',
      StopTimeout: 0,
    });
  });
  it('override a file, --no-tty turning off what the file turned on', async () => {
    const spec = await resolveArgv(
      ['--replicas', '4', '--no-tty', '-e', 'B=flag', '-l', 'tier=back'],
      `${BASE}Replicas: 2\nTty: true\nStdin: true\nEnv: {A: file, B: file}\nLabels: {app: web, tier: front}\n`,
    );
    expect(spec).toMatchObject({
      Name: 'web',
      Replicas: 4,
      Tty: false,
      Stdin: true,
      Env: ['A=file', 'B=flag'],
      Labels: { app: 'web', tier: 'back' },
    });
  });
  it('leave file values alone when the flag is not given', async () => {
    const spec = await resolveArgv([], `${BASE}Replicas: 2\nProtocol: http\n`);
    expect(spec).toMatchObject({ Replicas: 2, Protocol: 'http', HealthCheckInterval: 5 });
  });
  it('report bad flag values at the flag, with file problems, all at once', async () => {
    const issues = await asyncIssuesOf(
      resolveArgv(
        ['--replicas', 'two', '--fip', 'localhost', '-v', 'x', 'Nginx'],
        'Name: web\nServicePort: 80\nTty: yes\n',
      ),
    );
    expect(issues.map((i) => [i.path, i.location])).toEqual([
      ['IMAGE', undefined],
      ['--replicas', undefined],
      ['Tty', 's.yaml:3:6'],
      ['--volume', undefined],
      ['--fip', undefined],
    ]);
    expect(issues[1]?.message).toBe('expected integer, got string "two"');
  });
  it('report a bad env-file line at its file:line:col', async () => {
    const bad = join(certs.dir, 'bad.env');
    writeFileSync(bad, 'OK=1\n\n  1BAD=2\n');
    const issues = await asyncIssuesOf(resolveArgv(['--env-file', bad], BASE));
    expect(issues).toEqual([
      {
        path: '--env-file',
        message: 'invalid variable name "1BAD": letters, digits and _, not starting with a digit',
        location: `${bad}:3:3`,
      },
    ]);
  });
});
