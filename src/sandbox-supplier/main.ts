// Entry point: `npm run sandbox-supplier`. Loopback only: its control plane has no auth.
import path from 'node:path';
import { loadEnvFile, loadConfig } from '../config';
import { createKinguinSandbox } from './kinguin';
import { createSandboxSupplier } from './server';

async function main() {
  loadEnvFile();
  const config = loadConfig();
  const sandbox = createSandboxSupplier({
    apiKey: config.supplier.apiKey,
    webhookSecret: config.supplier.webhookSecrets[0]!,
    webhookUrl: `${config.api.publicUrl}/webhooks/supplier`,
    stateFile: path.resolve(config.dataDir, 'sandbox-supplier.json'),
  });
  const { url, close } = await sandbox.listen(config.sandbox.port);
  console.log(`sandbox supplier listening on ${url}`);
  // The second supplier (Kinguin-style), when configured: on the port of KINGUIN_BASE_URL.
  const second = config.kinguin
    ? await createKinguinSandbox({
        apiKey: config.kinguin.apiKey,
        webhookSecret: config.kinguin.webhookSecrets[0]!,
        webhookUrl: `${config.api.publicUrl}/webhooks/supplier/kinguin`,
      }).listen(Number(new URL(config.kinguin.baseUrl).port))
    : undefined;
  if (second) console.log(`sandbox supplier (kinguin) listening on ${second.url}`);
  const stop = () => void Promise.all([close(), second?.close()]);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
