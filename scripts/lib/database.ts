// A fresh, migrated database for one test file or one benchmark run: a new database on a
// PostgreSQL server given by an admin URL (dropped at the end), or the embedded PGlite in memory.
import { randomBytes } from 'node:crypto';
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
      await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await d.end();
    },
  };
}

/** PostgreSQL when adminUrl is given, else the embedded database in memory on a free port. */
export async function freshDatabase(adminUrl?: string, prefix?: string): Promise<FreshDatabase> {
  if (adminUrl) return freshPostgresDatabase(adminUrl, prefix);
  const embedded = await startEmbeddedDb({ port: 0 });
  await migrate(embedded.url);
  return { url: embedded.url, kind: 'embedded', stop: embedded.stop };
}
