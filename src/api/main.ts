// Entry point: `npm run api`.
import { loadConfig, databaseUrl } from '../config';
import { createDb } from '../db/client';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import { connectClient } from '../temporal/connection';
import { createApp } from './app';
import { createGateway } from './gateway';

async function main() {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'api' });
  const db = createDb(databaseUrl(config));
  const client = await connectClient(config);
  const gateway = createGateway(client, config.temporal.taskQueue, config.timeouts);
  const app = createApp({
    config,
    gateway,
    db,
    logger,
    metrics: createMetrics(),
    temporalReady: async () => {
      await client.workflowService.getSystemInfo({});
    },
  });
  const server = app.listen(config.api.port, '0.0.0.0', () =>
    logger.info({ port: config.api.port }, 'api listening'),
  );
  const stop = async () => {
    logger.info('api stopping');
    server.close();
    await client.connection.close();
    await db.$disconnect();
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
