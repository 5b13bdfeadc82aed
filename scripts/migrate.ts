// `npm run db:migrate`: apply prisma/migrations offline to DATABASE_URL (or the embedded default,
// which must be running, e.g. under `npm start`).
import { loadEnvFile, databaseUrl, loadConfig } from '../src/config';
import { migrate } from '../src/db/migrate';

async function main() {
  loadEnvFile();
  const url = databaseUrl(loadConfig());
  const result = await migrate(url);
  console.log(
    `migrations applied: ${result.applied.length ? result.applied.join(', ') : 'none'}; already applied: ${result.alreadyApplied.length}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
