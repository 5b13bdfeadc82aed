// A fresh, migrated database for one test file or one benchmark run: a new database on a
// PostgreSQL server given by an admin URL (dropped at the end), or the embedded PGlite in memory;
// and the local Debian PostgreSQL cluster, started when it is down.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { Client as PgClient } from 'pg';
import { startEmbeddedDb } from '../../src/db/embedded';
import { migrate } from '../../src/db/migrate';

export interface FreshDatabase {
  url: string;
  kind: 'embedded' | 'postgresql';
  stop(): Promise<void>;
}

/** CREATE DATABASE <prefix>_<random> on the server of adminUrl, migrated; stop() drops it. */
export async function freshPostgresDatabase(adminUrl: string, prefix = 'cb_test'): Promise<FreshDatabase> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const c = new PgClient({ connectionString: adminUrl });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return {
    url: url.toString(),
    kind: 'postgresql',
    stop: async () => {
      const d = new PgClient({ connectionString: adminUrl });
      await d.connect();
      try {
        // An autovacuum worker busy in the database has no role, and PostgreSQL refuses a
        // non-superuser's FORCE on it (42501) until it finishes, which takes moments: try again.
        for (let attempt = 1; ; attempt++) {
          try {
            await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          } catch (err) {
            if ((err as { code?: string }).code !== '42501' || attempt >= 40) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      } finally {
        await d.end();
      }
    },
  };
}

/**
 * PostgreSQL when adminUrl is given, else the embedded database in memory on a free port, from
 * `embeddedTemplate` (a file written by writeEmbeddedTemplate) when given. Either way migrated.
 */
export async function freshDatabase(
  adminUrl?: string,
  prefix?: string,
  opts: { embeddedTemplate?: string } = {},
): Promise<FreshDatabase> {
  if (adminUrl) return freshPostgresDatabase(adminUrl, prefix);
  const loadDataDir = opts.embeddedTemplate ? new Blob([await readFile(opts.embeddedTemplate)]) : undefined;
  const embedded = await startEmbeddedDb({ port: 0, loadDataDir });
  await migrate(embedded.url); // a template is already migrated: this only checks it
  return { url: embedded.url, kind: 'embedded', stop: embedded.stop };
}

/**
 * A migrated, empty embedded database written to `file`: a test run makes one, and each test
 * file's database starts from it instead of running initdb and the migrations again.
 */
export async function writeEmbeddedTemplate(file: string): Promise<void> {
  const embedded = await startEmbeddedDb({ port: 0 });
  try {
    await migrate(embedded.url);
    await writeFile(file, Buffer.from(await (await embedded.dump()).arrayBuffer()));
  } finally {
    await embedded.stop();
  }
}

/** The `cardbridge` role's server that .ci/run sets up on Debian's PostgreSQL cluster. */
export const LOCAL_POSTGRES_URL = 'postgresql://cardbridge:cardbridge@127.0.0.1:5432/cardbridge';

/**
 * Debian's PostgreSQL, started if it is installed but down: the admin URL of LOCAL_POSTGRES_URL's
 * server, or why there is none (not installed, would not start, no `cardbridge` role).
 */
export async function localPostgres(): Promise<{ url: string } | { skipped: string }> {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : [];
  const installed = versions.some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/postgres`));
  const tool = (cmd: string, args: string[]) => spawnSync(cmd, args, { encoding: 'utf8' });
  if (!installed || tool('sh', ['-c', 'command -v pg_ctlcluster']).status !== 0)
    return { skipped: "Debian's PostgreSQL is not installed (apt-get install -y postgresql; .ci/run does)" };
  // pg_lsclusters: "15 main 5432 down postgres /var/lib/... /var/log/..." per cluster.
  const clusters = tool('pg_lsclusters', ['--no-header']).stdout.trim().split('\n').filter(Boolean);
  const u = new URL(LOCAL_POSTGRES_URL);
  const ours = clusters.map((l) => l.split(/\s+/)).find((c) => c[2] === (u.port || '5432'));
  if (!ours) return { skipped: `no PostgreSQL cluster on port ${u.port} (pg_lsclusters)` };
  if (ours[3] !== 'online') {
    const started = tool('pg_ctlcluster', [ours[0]!, ours[1]!, 'start']);
    if (started.status !== 0)
      return { skipped: `pg_ctlcluster ${ours[0]} ${ours[1]} start failed: ${started.stderr.trim()}` };
  }
  const c = new PgClient({ connectionString: LOCAL_POSTGRES_URL });
  try {
    await c.connect();
    return { url: LOCAL_POSTGRES_URL };
  } catch (err) {
    return { skipped: `${u.host} refuses the cardbridge role (.ci/run creates it): ${String(err)}` };
  } finally {
    await c.end().catch(() => undefined);
  }
}
