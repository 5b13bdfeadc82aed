// A migrated database with the benchmark's stores: embedded PGlite in a child process by default,
// or a fresh database on a PostgreSQL server given by URL.
import { randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { createDb } from '../../src/db/client';
import { ensureStore } from '../../src/db/demo-store';
import { migrate } from '../../src/db/migrate';
import { freePort, spawnNode, waitUntil, type Child } from './procs';

export async function prepareDatabase(url: string, stores: string[]): Promise<void> {
  await migrate(url);
  const db = createDb(url);
  for (const id of stores) await ensureStore(db, { id, settings: { codeSkuPrefixes: ['PSN-'] } });
  await db.$disconnect();
}

export interface BenchDatabase {
  url: string;
  kind: 'embedded PGlite' | 'PostgreSQL';
  proc?: Child;
  stop(): Promise<void>;
}

export async function startDatabase(stores: string[], adminUrl?: string): Promise<BenchDatabase> {
  if (adminUrl) {
    const name = `cb_bench_${randomBytes(4).toString('hex')}`;
    const admin = new PgClient({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    await prepareDatabase(url.toString(), stores);
    return {
      url: url.toString(),
      kind: 'PostgreSQL',
      stop: async () => {
        const d = new PgClient({ connectionString: adminUrl });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await d.end();
      },
    };
  }
  const port = await freePort();
  const proc = spawnNode('database', 'bench/lib/db-main.ts', {
    PATH: process.env.PATH ?? '',
    EMBEDDED_DB_PORT: String(port),
    BENCH_STORES: stores.join(','),
  });
  let url = '';
  await waitUntil(
    'the embedded database',
    async () => {
      const m = /READY (\S+)/.exec(proc.output());
      if (m) url = m[1]!;
      return !!m;
    },
    { proc, timeoutMs: 120_000 },
  );
  return { url, kind: 'embedded PGlite', proc, stop: async () => void (await proc.stop('SIGTERM', 10_000)) };
}
