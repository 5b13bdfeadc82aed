// The embedded database (PGlite) in its own process for the benchmark and the chaos suite, so it
// does not share an event loop with the load generator: migrate, create the stores, print READY.
import { startEmbeddedDb } from '../../src/db/embedded';
import { prepareDatabase } from './database';

async function main() {
  const db = await startEmbeddedDb({ port: Number(process.env.EMBEDDED_DB_PORT) });
  await prepareDatabase(db.url, (process.env.BENCH_STORES ?? '').split(',').filter(Boolean));
  console.log(`READY ${db.url}`);
  const stop = () => void db.stop().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
