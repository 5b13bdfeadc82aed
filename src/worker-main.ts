// Entry point: `npm run worker`.
import { loadConfig, databaseUrl } from './config';
import { createCodeVault } from './codes/vault';
import { createDb } from './db/client';
import { createRecordingNotifier } from './notify/notifier';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { createRecordingStorefronts } from './storefront/recording';
import { createAlphaPsnClient } from './suppliers/alpha-psn';
import { connectWorker } from './temporal/connection';
import { createWorker } from './worker';

async function main() {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  const db = createDb(databaseUrl(config));
  const connection = await connectWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    supplier: createAlphaPsnClient({
      baseUrl: config.supplier.baseUrl,
      apiKey: config.supplier.apiKey,
      timeoutMs: config.supplier.httpTimeoutMs,
    }),
    vault: createCodeVault(config.codes.keys, config.codes.activeKeyId),
    notifier: createRecordingNotifier({ db, logger }),
    storefronts: createRecordingStorefronts(db),
    metrics: createMetrics(),
    lowBalance: config.supplier.lowBalance,
  });
  const stop = () => {
    logger.info('worker stopping');
    worker.shutdown();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.info({ taskQueue: config.temporal.taskQueue }, 'worker running');
  await worker.run();
  await connection.close();
  await db.$disconnect();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
