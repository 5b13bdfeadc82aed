// Compiled migration entry for images without tsx: `node dist/db/migrate-main.js` (the compose
// `migrate` job). Same runner as `npm run db:migrate`.
import { loadEnvFile, databaseUrl, loadConfig } from '../config';
import { migrate } from './migrate';

async function main() {
  loadEnvFile();
  const result = await migrate(databaseUrl(loadConfig()));
  console.log(
    `migrations applied: ${result.applied.length ? result.applied.join(', ') : 'none'}; already applied: ${result.alreadyApplied.length}`,
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
