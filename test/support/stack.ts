// The whole stack, really running, for one test file: a Temporal dev server (the real CLI),
// a database (embedded PGlite, or PostgreSQL when TEST_DATABASE_URL is set), the sandbox
// supplier over HTTP, the API over HTTP and a worker.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Writable } from 'node:stream';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, type Worker } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config';
import { createCodeVault } from '../../src/codes/vault';
import { createDb, type Db } from '../../src/db/client';
import { ensureStore } from '../../src/db/demo-store';
import { apiReceipts, createApp } from '../../src/api/app';
import type { AnsweredReceipts } from '../../src/api/receipts';
import { createGateway, type Gateway } from '../../src/api/gateway';
import { createRecordingNotifier, type Notifier } from '../../src/notify/notifier';
import { createLogger } from '../../src/observability/logger';
import { createMetrics } from '../../src/observability/metrics';
import { createSandboxSupplier, type SandboxSupplier } from '../../src/sandbox-supplier/server';
import { createRecordingStorefronts } from '../../src/storefront/recording';
import type { Storefronts } from '../../src/storefront/storefront';
import type { WooCommerceClient } from '../../src/storefront/woocommerce';
import type { PocketsflowClient } from '../../src/gateways/pocketsflow';
import type { FulfillmentTimeouts } from '../../src/shared/contract';
import { createAlphaPsnClient } from '../../src/suppliers/alpha-psn';
import { createKinguinClient } from '../../src/suppliers/kinguin';
import { createSupplierRegistry } from '../../src/suppliers/supplier';
import { createKinguinSandbox, type KinguinSandbox } from '../../src/sandbox-supplier/kinguin';
import { createWorker } from '../../src/worker';
import { alertDepsFrom } from '../../src/activities/alerts';
import { createPayloadCodec } from '../../src/temporal/codec';
import type { PayloadCodec } from '@temporalio/common';
import { freshDatabase, type FreshDatabase } from '../../scripts/lib/database';
import { ROOT as ROOT_DIR } from '../../scripts/lib/processes';
import { devServerFlags, temporalCli } from '../../scripts/lib/temporal';
import { captureResponses, findCodeLeaks } from './leaks';
import { embeddedTemplatePath, workflowBundlePath } from './run-assets';

export { temporalCli };

/** The repository root, with a trailing slash. */
export const ROOT = `${ROOT_DIR}/`;

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}

export type TestDatabase = FreshDatabase;

/** A fresh, migrated database: embedded by default, a new PostgreSQL database with TEST_DATABASE_URL. */
export async function startTestDatabase(): Promise<TestDatabase> {
  return freshDatabase(process.env.TEST_DATABASE_URL, 'cb_test', {
    embeddedTemplate: embeddedTemplatePath(),
  });
}

/** Captured output of every logger in the stack (for the code-leak search). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void) {
    this.lines.push(chunk.toString('utf8'));
    cb();
  }
  text() {
    return this.lines.join('');
  }
}

export interface StackOptions {
  timeouts?: Partial<FulfillmentTimeouts>;
  env?: Record<string, string>;
  notifier?: (db: Db) => Notifier;
  storefronts?: (db: Db) => Storefronts;
  /** A pool SKU under this many codes raises the low-stock alert (default 10). */
  poolLowStock?: number;
  /** Don't start an in-process worker (tests that run the worker as a child process). */
  noWorker?: boolean;
  /** Stores' WooCommerce REST clients for the recovery sweep (default: none). */
  wooCommerce?: (db: Db) => (storeId: string) => Promise<WooCommerceClient | null>;
  /** Stores' Pocketsflow API clients for the recovery sweep (default: none). */
  pocketsflow?: (db: Db) => (storeId: string) => Promise<PocketsflowClient | null>;
}

export interface Stack {
  config: Config;
  env: TestWorkflowEnvironment;
  db: Db;
  database: TestDatabase;
  sandbox: SandboxSupplier;
  sandboxUrl: string;
  /** The worker's and API's Prometheus metrics. */
  metrics: ReturnType<typeof createMetrics>;
  /** The second supplier (Kinguin-style), its own HTTP server. */
  kinguin: KinguinSandbox;
  apiUrl: string;
  taskQueue: string;
  timeouts: FulfillmentTimeouts;
  logs: LogCapture;
  /** Every API response body (codec /decode answers excluded), for the code-leak check. */
  responses: string[];
  /** The payload codec client, worker and /codec endpoint share (payloads are encrypted). */
  codec: PayloadCodec;
  /** The API's way into Temporal (the same object the hooks call). */
  gateway: Gateway;
  /** The API's webhook receipts; `settled()` before reading them from the database. */
  receipts: AnsweredReceipts;
  worker?: Worker;
  stop(): Promise<void>;
}

export const TEST_TIMEOUTS: FulfillmentTimeouts = {
  paymentWaitMs: 60_000,
  supplierWebhookWaitMs: 3_000,
  supplierMaxWaitMs: 10_000,
  reviewReminderMs: 60_000,
  supplierCallTimeoutMs: 5_000,
};

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    return await buildStack(opts, cleanups);
  } catch (err) {
    // Whatever did start must not outlive a failed setup (a dev server left running, say).
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    throw err;
  }
}

async function buildStack(opts: StackOptions, cleanups: (() => Promise<unknown>)[]): Promise<Stack> {
  quietRuntime();
  const taskQueue = `test-${randomBytes(4).toString('hex')}`;
  const database = await startTestDatabase();
  cleanups.push(() => database.stop());
  const codec = createPayloadCodec(loadConfig({ NODE_ENV: 'test', ...opts.env }));
  const env = await TestWorkflowEnvironment.createLocal({
    client: { dataConverter: { payloadCodecs: [codec] } },
    server: {
      executable: { type: 'existing-path', path: temporalCli() },
      extraArgs: devServerFlags(),
    },
  });
  cleanups.push(() => env.teardown());
  const logs = new LogCapture();
  const sandbox = createSandboxSupplier({
    apiKey: 'test-supplier-key',
    webhookSecret: 'test-supplier-webhook-secret',
  });
  const sandboxServer = await sandbox.listen();
  cleanups.push(() => sandboxServer.close());
  const kinguin = createKinguinSandbox({
    apiKey: 'test-kinguin-key',
    webhookSecret: 'test-kinguin-event-secret',
  });
  const kinguinServer = await kinguin.listen();
  cleanups.push(() => kinguinServer.close());

  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SUPPLIER_BASE_URL: sandboxServer.url,
    SUPPLIER_API_KEY: 'test-supplier-key',
    SUPPLIER_WEBHOOK_SECRETS: 'test-supplier-webhook-secret',
    SUPPLIER_HTTP_TIMEOUT: '3s',
    KINGUIN_BASE_URL: kinguinServer.url,
    KINGUIN_API_KEY: 'test-kinguin-key',
    KINGUIN_WEBHOOK_SECRETS: 'test-kinguin-event-secret',
    STORE_WEBHOOK_SECRETS: JSON.stringify({
      demo: {
        woocommerce: ['test-woo-secret-old-0001', 'test-woo-secret-new-0002'],
        standard: ['whsec_dGVzdC1zdGFuZGFyZC1zZWNyZXQtMDAwMQ=='],
        pocketsflow: ['test-pocketsflow-secret-0001'],
      },
    }),
    ...opts.env,
  });
  const timeouts = { ...TEST_TIMEOUTS, ...opts.timeouts };
  const db = createDb(database.url);
  await ensureStore(db, { id: 'demo', settings: { codeSkuPrefixes: ['PSN-'] } });

  const logger = createLogger({ level: 'info', name: 'test', destination: logs });
  const metrics = createMetrics();
  // A generous deadline here: a loaded 2-core CI machine must not turn a slow call into a 503.
  // The production default (API_TEMPORAL_TIMEOUT, 1 s) is measured by test/temporal-outage.test.ts.
  const gateway = createGateway(env.client, taskQueue, timeouts, { deadlineMs: 10_000 });
  const notifier = opts.notifier ? opts.notifier(db) : createRecordingNotifier({ db, logger });
  const receipts = apiReceipts(db, logger);
  const app = createApp({
    receipts,
    notifier,
    config,
    gateway,
    db,
    logger,
    metrics,
    codec,
    temporal: env.client,
    temporalReady: async () => {
      await env.client.workflowService.getSystemInfo({});
    },
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const responses = captureResponses(server);
  sandbox.setWebhookUrl(`${apiUrl}/webhooks/supplier`);
  kinguin.setWebhookUrl(`${apiUrl}/webhooks/supplier/kinguin`);

  const suppliers = createSupplierRegistry([
    createAlphaPsnClient({ baseUrl: sandboxServer.url, apiKey: 'test-supplier-key', timeoutMs: 3_000 }),
    createKinguinClient({ baseUrl: kinguinServer.url, apiKey: 'test-kinguin-key', timeoutMs: 3_000 }),
  ]);
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (!opts.noWorker) {
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      taskQueue,
      workflowBundle: { codePath: workflowBundlePath() },
      db,
      supplier: suppliers.get(),
      suppliers,
      poolLowStock: opts.poolLowStock,
      vault: createCodeVault(config.codes.keys, config.codes.activeKeyId),
      notifier,
      storefronts: opts.storefronts ? opts.storefronts(db) : createRecordingStorefronts(db),
      metrics,
      lowBalance: config.supplier.lowBalance,
      alerts: alertDepsFrom(config),
      payloadCodec: codec,
      sweep:
        opts.wooCommerce || opts.pocketsflow
          ? {
              wooCommerce: opts.wooCommerce?.(db) ?? (() => Promise.resolve(null)),
              pocketsflow: opts.pocketsflow?.(db),
              intake: { taskQueue, timeouts },
              overlapMs: 5_000,
            }
          : undefined,
    });
    running = worker.run();
  }

  return {
    config,
    env,
    db,
    database,
    sandbox,
    sandboxUrl: sandboxServer.url,
    kinguin,
    metrics,
    apiUrl,
    taskQueue,
    timeouts,
    logs,
    responses,
    codec,
    gateway,
    receipts,
    worker,
    async stop() {
      worker?.shutdown();
      await running;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await sandboxServer.close();
      await kinguinServer.close();
      await db.$disconnect();
      await env.teardown();
      await database.stop();
      // Suite-wide: no code the sandbox issued may appear in a log line or an API answer.
      const leaks = findCodeLeaks([...sandbox.stats.codesIssued, ...kinguin.stats.codesIssued], {
        logs: logs.text(),
        'API responses': responses.join('\n'),
      });
      if (leaks.length) throw new Error(`codes leaked outside their delivery:\n${leaks.join('\n')}`);
    },
  };
}
