// The HTTP API: verify, parse, translate to one Temporal call, answer. It never calls the
// supplier and never waits for one. createApp is separate from listen so tests can mount it.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { createCodeVault } from '../codes/vault';
import { createStoreRegistry, type StoreRegistry } from '../stores/registry';
import type { Db } from '../db/client';
import type { Metrics } from '../observability/metrics';
import { fulfillmentWorkflowId } from '../shared/contract';
import { errorMiddleware, HttpError } from './errors';
import type { Gateway } from './gateway';
import { paynupRouter } from './hooks/paynup';
import { pocketsflowRouter } from './hooks/pocketsflow';
import { standardRouter } from './hooks/standard';
import { supplierRouter } from './hooks/supplier';
import { kinguinSupplierRouter } from './hooks/supplier-kinguin';
import { woocommerceRouter } from './hooks/woocommerce';
import type { HookDeps } from './hooks/deps';
import { openApiDocument } from './openapi';
import { createLatePayments } from './late-payments';
import { createReceipts, writeBehind, type AnsweredReceipts } from './receipts';
import type { Client } from '@temporalio/client';
import { adminRouter } from './admin/router';
import { reviewBacklog } from './admin/exceptions';
import { metricsHandler, webhookRejectionCounter } from './metrics-route';
import { codecRouter } from './codec';
import { createPayloadCodec } from '../temporal/codec';
import type { PayloadCodec } from '@temporalio/common';
import type { Notifier } from '../notify/notifier';

export interface AppDeps {
  config: Config;
  gateway: Gateway;
  db: Db;
  logger: Logger;
  metrics?: Metrics;
  /** Readiness probe of the Temporal connection. */
  temporalReady(): Promise<void>;
  /** Temporal client for the /admin exceptions page (review decisions are Updates); no client, no page. */
  temporal?: Client;
  /** Payload codec served at /codec for the Web UI and CLI; default: the configured one. */
  codec?: PayloadCodec;
  /** Stores' secrets (env + database, short-TTL cache); default: built from config and db. */
  stores?: StoreRegistry;
  /** The codes email, for the admin order page's resend button (none: the button says so). */
  notifier?: Notifier;
  /** Webhook receipts (default: written after the answer, see apiReceipts). */
  receipts?: AnsweredReceipts;
}

/** The API's webhook receipts: written after the answer; a failed write is logged. */
export function apiReceipts(db: Db, logger: Logger): AnsweredReceipts {
  return writeBehind(createReceipts(db), (err, r) =>
    logger.error(
      { err, provider: r.provider, eventId: r.eventId, workflowId: r.workflowId },
      'webhook receipt not written: a re-delivery of this event reaches the workflow again, which ignores it',
    ),
  );
}

const READY_CHECK_MS = 1_000;

function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      serializers: {
        req: (req: { method: string; url: string; id: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
      },
    }),
  );

  const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey);
  const stores = deps.stores ?? createStoreRegistry({ db: deps.db, vault, config });
  const hookDeps: HookDeps = {
    gateway: deps.gateway,
    receipts: deps.receipts ?? apiReceipts(deps.db, deps.logger),
    metrics: deps.metrics,
    bodyLimit: config.api.bodyLimit,
    toleranceMs: config.api.webhookToleranceMs,
    latePayments: createLatePayments(deps.db, deps.logger),
    storeSecrets: async (storeId) => (await stores.resolve(storeId))?.secrets,
    // Cached with the secrets (a hook reads them twice per delivery; a change shows within seconds).
    storeSettings: async (storeId) => (await stores.resolve(storeId))?.settings,
    supplierSecrets: config.supplier.webhookSecrets,
    kinguinSecrets: config.kinguin?.webhookSecrets ?? [],
    workflowId: fulfillmentWorkflowId,
    rateLimit: config.api.rateLimit,
    paynup: async (storeId) => (await stores.resolve(storeId))?.paynup,
  };

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    // Each check answers within READY_CHECK_MS or counts as unavailable: a probe with a timeout
    // of a second or two gets its 503 in time.
    const checks = await Promise.allSettled(
      [deps.db.$queryRawUnsafe('SELECT 1'), deps.temporalReady()].map((p) => within(p, READY_CHECK_MS)),
    );
    const [dbCheck, temporalCheck] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    const ready = dbCheck === 'ok' && temporalCheck === 'ok';
    res.status(ready ? 200 : 503).json({ ok: ready, database: dbCheck, temporal: temporalCheck });
  });

  app.use('/webhooks/woocommerce', woocommerceRouter(hookDeps));
  app.use('/webhooks/supplier/kinguin', kinguinSupplierRouter(hookDeps));
  app.use('/webhooks/supplier', supplierRouter(hookDeps));
  app.use('/webhooks/standard', standardRouter(hookDeps));
  app.use('/webhooks/pocketsflow', pocketsflowRouter(hookDeps));
  app.use('/webhooks/paynup', paynupRouter(hookDeps));
  // In test mode {storeId} lists the configured stores, so generated requests reach the handlers.
  const openapi = openApiDocument({
    storeIds: config.env === 'test' ? Object.keys(config.storeSecrets) : undefined,
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use(
    '/codec',
    codecRouter({
      codec: deps.codec ?? createPayloadCodec(config),
      adminToken: config.api.adminToken,
      corsOrigins: config.temporalCodec.corsOrigins,
      logger: deps.logger.child({ component: 'codec' }),
    }),
  );

  if (deps.metrics) {
    const { db } = deps;
    deps.metrics.setReviewBacklogSource(() => reviewBacklog(db));
    app.get('/metrics', metricsHandler(deps.metrics, config.metrics.token));
  }
  if (deps.temporal) {
    app.use(
      '/admin',
      adminRouter({
        db: deps.db,
        temporal: deps.temporal,
        adminToken: config.api.adminToken,
        adminUsers: config.api.adminUsers,
        logger: deps.logger,
        vault,
        notifier: deps.notifier,
        onStoreChange: (storeId) => stores.invalidate(storeId),
      }),
    );
  }

  app.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'No such endpoint.')));
  app.use(errorMiddleware(deps.logger, webhookRejectionCounter(deps.metrics)));
  return app;
}
