import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ManagedProcess } from '../../libs/local-stack/child-process';
import { freePort } from '../../libs/local-stack/ports';

/** The binaries of the newest PostgreSQL Debian's `postgresql` package installed. */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions[0]) return join(root, versions[0], 'bin');
  throw new Error('PostgreSQL is not installed: run `apt-get install postgresql` (the CI script does).');
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user the package creates. */
function asServerUser(command: string, args: string[]): [string, string[]] {
  return userInfo().uid === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
}

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * A private PostgreSQL server for one test file: its own cluster in a temp folder, on a free port,
 * removed on stop. Real PostgreSQL, not an imitation, and nothing shared between test files.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'mandate-pg-'));
  if (userInfo().uid === 0) {
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const [initCommand, initArgs] = asServerUser(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'mandate',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);

  const port = await freePort();
  const [command, args] = asServerUser(join(bin, 'postgres'), [
    '-D',
    data,
    '-p',
    String(port),
    '-k',
    dir,
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'fsync=off',
  ]);
  const adminUrl = `postgres://mandate@127.0.0.1:${port}/postgres`;
  const server = await ManagedProcess.start({
    name: 'PostgreSQL',
    command,
    args,
    logFile: join(tmpdir(), `mandate-pg-${port}.log`),
    ready: async () => {
      const client = new Client({ connectionString: adminUrl });
      await client.connect();
      await client.end();
      return true;
    },
    timeoutMs: 30_000,
  });
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query('CREATE DATABASE mandate');
  await client.end();
  return {
    url: `postgres://mandate@127.0.0.1:${port}/mandate`,
    async stop() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
