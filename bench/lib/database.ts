// A migrated database with the benchmark's stores: embedded PGlite in a child process by default,
// or a fresh database on a PostgreSQL server given by URL.
import { createDb } from '../../src/db/client';
import { ensureStore } from '../../src/db/demo-store';
import { migrate } from '../../src/db/migrate';
import { freshPostgresDatabase } from '../../scripts/lib/database';
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
    const fresh = await freshPostgresDatabase(adminUrl, 'cb_bench');
    await prepareDatabase(fresh.url, stores);
    return { url: fresh.url, kind: 'PostgreSQL', stop: fresh.stop };
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
