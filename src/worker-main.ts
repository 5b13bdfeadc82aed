// Entry point: `npm run worker`.
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { loadEnvFile, loadConfig, databaseUrl, type Config } from './config';
import { createStoreRegistry } from './stores/registry';
import { createCodeVault } from './codes/vault';
import { createDb } from './db/client';
import { createConfiguredNotifier } from './notify/email';
import { createLogger } from './observability/logger';
import { createMetrics } from './observability/metrics';
import { serveMetrics } from './observability/metrics-server';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createPocketsflowClients, createStorefronts, createWooCommerceClients } from './storefront';
import { createAlphaPsnClient } from './suppliers/alpha-psn';
import { createKinguinClient } from './suppliers/kinguin';
import { createSupplierRegistry } from './suppliers/supplier';
import { createPayloadCodec } from './temporal/codec';
import { connectWorker } from './temporal/connection';
import { createWorker } from './worker';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from './worker-node';
import { alertDepsFrom } from './activities/alerts';

/** Production (or WORKFLOW_BUNDLE_PATH): the bundle built by scripts/build-workflow-bundle.ts. */
function prebuiltBundle(config: Config): { codePath: string } | undefined {
  const codePath =
    config.worker.workflowBundlePath ??
    (config.env === 'production' ? path.join(__dirname, 'workflow-bundle.js') : undefined);
  if (!codePath) return undefined;
  if (!existsSync(codePath)) {
    throw new Error(
      `workflow bundle ${codePath} not found: run \`npm run build\` (it writes dist/workflow-bundle.js) or set WORKFLOW_BUNDLE_PATH`,
    );
  }
  return { codePath: path.resolve(codePath) };
}

async function main() {
  loadEnvFile();
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel, name: 'worker' });
  // Started without WORKER_NODE_FLAGS the worker works but holds far more memory: V8 grows both
  // heaps towards a quarter of the machine's memory.
  const heapLimitMiB = Math.round(getHeapStatistics().heap_size_limit / 2 ** 20);
  if (heapLimitMiB > 1024) {
    const env = Object.entries(WORKER_NODE_ENV).map(([k, v]) => `${k}=${v}`);
    logger.warn(
      { heapLimitMiB, flags: WORKER_NODE_FLAGS, env },
      'worker heap not capped: start node with these flags and environment (README, "Worker memory")',
    );
  }
  const db = createDb(databaseUrl(config));
  const workflowBundle = prebuiltBundle(config);
  // Temporal SDK metrics: Core's Prometheus exporter on loopback, merged into our /metrics below.
  // Runtime.install must come before the first connection.
  const sdkMetricsAddress = `127.0.0.1:${config.metrics.sdkPort}`;
  // A busy port costs the metrics, never the fulfillment: log it and keep working.
  // SDK, workflow and activity log lines go through pino too, so its redaction applies to them.
  const sdkLogger = new DefaultLogger(sdkLevel(config.logLevel), (entry) => {
    const level = entry.level.toLowerCase() as 'trace' | 'debug' | 'info' | 'warn' | 'error';
    logger[level]({ sdk: true, ...entry.meta }, entry.message);
  });
  let sdkMetrics = false;
  if (config.metrics.workerPort) {
    try {
      Runtime.install({
        logger: sdkLogger,
        telemetryOptions: { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } },
      });
      sdkMetrics = true;
    } catch (err) {
      logger.error({ err, bindAddress: sdkMetricsAddress }, 'Temporal SDK metrics exporter not started');
    }
  }
  if (!sdkMetrics) {
    try {
      Runtime.install({ logger: sdkLogger });
    } catch (err) {
      logger.warn({ err }, 'Temporal SDK logs stay on the default logger');
    }
  }
  const metrics = createMetrics();
  const connection = await connectWorker(config);
  // Suppliers in the order mappings without routes fall back to: the first is the default.
  const suppliers = createSupplierRegistry([
    createAlphaPsnClient({
      baseUrl: config.supplier.baseUrl,
      apiKey: config.supplier.apiKey,
      timeoutMs: config.supplier.httpTimeoutMs,
    }),
    ...(config.kinguin
      ? [
          createKinguinClient({
            baseUrl: config.kinguin.baseUrl,
            apiKey: config.kinguin.apiKey,
            timeoutMs: config.supplier.httpTimeoutMs,
          }),
        ]
      : []),
  ]);
  const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey);
  // Stores onboarded from the console: their REST credentials are read (short-TTL cache) per call.
  const stores = createStoreRegistry({ db, vault, config });
  const restCredentials = async (storeId: string) => (await stores.resolve(storeId))?.rest;
  const worker = await createWorker({
    workflowBundle,
    tuning: {
      maxActivitiesPerSecond: config.worker.maxActivitiesPerSecond,
      maxTaskQueueActivitiesPerSecond: config.worker.maxTaskQueueActivitiesPerSecond,
      shutdownGraceTime: config.worker.shutdownGraceMs,
      maxCachedWorkflows: config.worker.maxCachedWorkflows,
    },
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    db,
    supplier: suppliers.get(),
    suppliers,
    poolLowStock: config.pool.lowStock,
    vault,
    notifier: createConfiguredNotifier({ config, db, vault, logger }),
    storefronts: createStorefronts({
      db,
      credentials: config.storefronts.credentials,
      restCredentials,
      timeoutMs: config.storefronts.httpTimeoutMs,
      logger,
    }),
    sweep: {
      wooCommerce: createWooCommerceClients({
        db,
        credentials: config.storefronts.credentials,
        restCredentials,
        timeoutMs: config.storefronts.httpTimeoutMs,
      }),
      pocketsflow: createPocketsflowClients({
        db,
        credentials: config.storefronts.credentials,
        timeoutMs: config.storefronts.httpTimeoutMs,
      }),
      intake: { taskQueue: config.temporal.taskQueue, timeouts: config.timeouts },
    },
    payloadCodec: createPayloadCodec(config),
    metrics,
    lowBalance: config.supplier.lowBalance,
    alerts: alertDepsFrom(config),
  });
  const metricsServer = config.metrics.workerPort
    ? await serveMetrics({
        registry: metrics.registry,
        port: config.metrics.workerPort,
        sdkMetricsUrl: sdkMetrics ? `http://${sdkMetricsAddress}/metrics` : undefined,
        token: config.metrics.token,
      }).catch((err: unknown) => {
        logger.error({ err, port: config.metrics.workerPort }, 'worker metrics endpoint not started');
        return undefined;
      })
    : undefined;
  if (metricsServer) logger.info({ url: metricsServer.url }, 'worker metrics listening');
  // Health for container orchestrators: 200 while the worker polls, 503 while it drains.
  const health = config.worker.healthPort
    ? createServer((req, res) => {
        const state = worker.getState();
        res.writeHead(state === 'RUNNING' ? 200 : 503, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ ok: state === 'RUNNING', state }));
      }).listen(config.worker.healthPort, '0.0.0.0')
    : undefined;
  // SIGTERM: stop polling, let in-flight activities finish (WORKER_SHUTDOWN_GRACE), then close.
  // One shutdown path: a second signal (SIGINT from a terminal, then SIGTERM from a supervisor)
  // is logged and ignored, never a second worker.shutdown().
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return void logger.info({ signal }, 'worker already stopping');
    stopping = true;
    logger.info({ signal }, 'worker stopping: draining in-flight tasks');
    worker.shutdown();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.info(
    { taskQueue: config.temporal.taskQueue, workflowBundle: workflowBundle?.codePath ?? 'from source' },
    'worker running',
  );
  await worker.run();
  health?.close();
  await metricsServer?.close();
  await connection.close();
  await db.$disconnect();
  logger.info('worker stopped');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

function sdkLevel(level: string): 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' {
  if (level === 'trace' || level === 'debug' || level === 'warn' || level === 'error')
    return level.toUpperCase() as 'TRACE';
  return level === 'fatal' || level === 'silent' ? 'ERROR' : 'INFO';
}
