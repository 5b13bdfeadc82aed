// Entry point: `npm run api`.
import { createServer } from 'node:http';
import { loadEnvFile, loadConfig, databaseUrl } from '../config';
import { createDb } from '../db/client';
import { createLogger } from '../observability/logger';
import { createMetrics } from '../observability/metrics';
import { connectClient } from '../temporal/connection';
import { apiReceipts, createApp } from './app';
import { createCodeVault } from '../codes/vault';
import { createConfiguredNotifier } from '../notify/email';
import { createGateway } from './gateway';

async function main() {
  loadEnvFile();
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'api' });
  const db = createDb(databaseUrl(config));
  const client = await connectClient(config);
  const gateway = createGateway(client, config.temporal.taskQueue, config.timeouts, {
    deadlineMs: config.api.temporalTimeoutMs,
  });
  const receipts = apiReceipts(db, logger);
  const app = createApp({
    config,
    gateway,
    db,
    receipts,
    logger,
    metrics: createMetrics(),
    temporal: client,
    // The admin order page's "resend the codes email" (src/notify/resend.ts), as the ops CLI does.
    notifier: createConfiguredNotifier({
      config,
      db,
      vault: createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey),
      logger,
    }),
    temporalReady: async () => {
      await client.withDeadline(Date.now() + 900, () => client.workflowService.getSystemInfo({}));
    },
  });
  // Graceful shutdown on SIGTERM: /readyz turns 503 so load balancers stop routing here, requests
  // keep being served for API_SHUTDOWN_DELAY, then the listener closes, in-flight requests finish
  // (up to API_SHUTDOWN_TIMEOUT), the receipts still being written land, and the Temporal connection
  // and the database close.
  let draining = false;
  const server = createServer((req, res) => {
    if (draining) {
      res.setHeader('Connection', 'close');
      if (req.url === '/readyz') {
        res.writeHead(503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: false, shuttingDown: true }));
        return;
      }
    }
    app(req, res);
  });
  server.listen(config.api.port, '0.0.0.0', () => logger.info({ port: config.api.port }, 'api listening'));
  const stop = async (signal: string) => {
    draining = true;
    logger.info({ signal, delayMs: config.api.shutdownDelayMs }, 'api stopping: draining');
    await new Promise((r) => setTimeout(r, config.api.shutdownDelayMs));
    const closed = new Promise<void>((r) => server.close(() => r()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), config.api.shutdownTimeoutMs);
    await closed;
    clearTimeout(timer);
    await receipts.settled();
    await client.connection.close();
    await db.$disconnect();
    logger.info('api stopped');
  };
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    void stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'api shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
