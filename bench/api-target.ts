// The real API (with Temporal dev server, database and sandbox supplier behind it) for an outside
// tool to hit, e.g. schemathesis in CI. Writes the API's base URL to the file given as the first
// argument once it is ready; SIGTERM stops everything. With a second argument it first writes
// there the secrets a request generator needs to sign what it sends (schemathesis hooks in CI).
// Test-only secrets of this throwaway stack, never real ones.
//   tsx bench/api-target.ts /tmp/api-url [/tmp/api-secrets.json]
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  PAYNUP_API_ID,
  PAYNUP_KEY,
  POCKETSFLOW_SECRET,
  STANDARD_SECRET,
  SUPPLIER_WEBHOOK_SECRET,
  startStack,
  wooSecret,
} from './lib/stack';

const STORES = ['demo'];

async function main() {
  const [out, secretsOut] = parseArgs({ allowPositionals: true }).positionals;
  if (!out) throw new Error('usage: tsx bench/api-target.ts <file to write the API URL to>');
  const stack = await startStack({ stores: STORES, noWorker: true });
  const stop = () =>
    void stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  if (secretsOut) {
    const stores = Object.fromEntries(
      STORES.map((s) => [
        s,
        {
          woocommerce: wooSecret(s),
          standard: STANDARD_SECRET,
          pocketsflow: POCKETSFLOW_SECRET,
          paynup: { apiId: PAYNUP_API_ID, apiKey: PAYNUP_KEY },
        },
      ]),
    );
    writeFileSync(secretsOut, JSON.stringify({ stores, supplier: SUPPLIER_WEBHOOK_SECRET }));
  }
  writeFileSync(out, stack.apiUrl);
  console.log(`API ready at ${stack.apiUrl}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
