// The real API (with Temporal dev server, database and sandbox supplier behind it) for an outside
// tool to hit, e.g. schemathesis in CI. Writes the API's base URL to the file given as the first
// argument once it is ready; SIGTERM stops everything.
//   tsx bench/api-target.ts /tmp/api-url
import { writeFileSync } from 'node:fs';
import { startStack } from './lib/stack';

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx bench/api-target.ts <file to write the API URL to>');
  const stack = await startStack({ stores: ['demo'], noWorker: true });
  const stop = () =>
    void stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  writeFileSync(out, stack.apiUrl);
  console.log(`API ready at ${stack.apiUrl}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
