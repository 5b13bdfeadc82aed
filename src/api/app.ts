// The HTTP API: verify, parse, translate to one Temporal call, answer. It never calls the
// supplier and never waits for one. createApp is separate from listen so tests can mount it.
import { randomUUID } from 'node:crypto';
import express, { type Express } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Db } from '../db/client';
import type { Metrics } from '../observability/metrics';
import { fulfillmentWorkflowId } from '../shared/contract';
import { errorMiddleware, HttpError } from './errors';
import type { Gateway } from './gateway';
import { supplierRouter } from './hooks/supplier';
import { woocommerceRouter } from './hooks/woocommerce';
import type { HookDeps } from './hooks/deps';
import { createReceipts } from './receipts';

export interface AppDeps {
  config: Config;
  gateway: Gateway;
  db: Db;
  logger: Logger;
  metrics?: Metrics;
  /** Readiness probe of the Temporal connection. */
  temporalReady(): Promise<void>;
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

  const hookDeps: HookDeps = {
    gateway: deps.gateway,
    receipts: createReceipts(deps.db),
    metrics: deps.metrics,
    bodyLimit: config.api.bodyLimit,
    toleranceMs: config.api.webhookToleranceMs,
    storeSecrets: (storeId) =>
      Object.hasOwn(config.storeSecrets, storeId) ? config.storeSecrets[storeId] : undefined,
    supplierSecrets: config.supplier.webhookSecrets,
    workflowId: fulfillmentWorkflowId,
  };

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await Promise.allSettled([deps.db.$queryRawUnsafe('SELECT 1'), deps.temporalReady()]);
    const [dbCheck, temporalCheck] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : 'unavailable'));
    const ready = dbCheck === 'ok' && temporalCheck === 'ok';
    res.status(ready ? 200 : 503).json({ ok: ready, database: dbCheck, temporal: temporalCheck });
  });

  app.use('/webhooks/woocommerce', woocommerceRouter(hookDeps));
  app.use('/webhooks/supplier', supplierRouter(hookDeps));

  app.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'No such endpoint.')));
  app.use(errorMiddleware(deps.logger));
  return app;
}
