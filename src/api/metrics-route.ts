// GET /metrics: the API's prom-client registry in the Prometheus text format. Webhook
// rejections are counted by the error middleware (see webhookRejectionCounter).
import type { Request, RequestHandler } from 'express';
import type { Metrics } from '../observability/metrics';
import { safeEqual } from '../observability/safe-equal';

export function metricsHandler(metrics: Metrics, token?: string): RequestHandler {
  return async (req, res) => {
    if (token && !safeEqual(req.get('authorization') ?? '', `Bearer ${token}`)) {
      res.set('WWW-Authenticate', 'Bearer').status(401).type('text').send('unauthorized\n');
      return;
    }
    res.set('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  };
}

/**
 * For the error middleware: counts every error answer of a webhook route by provider and
 * error code (bad_signature, stale_timestamp, invalid_body, ...). The provider label comes from
 * a matched route only, so random URLs under /webhooks/ cannot mint label values.
 */
export function webhookRejectionCounter(metrics: Metrics | undefined) {
  return (req: Request, _status: number, code: string): void => {
    if (!metrics) return;
    const m = /^\/webhooks\/([a-z0-9-]{1,40})(?:[/?]|$)/.exec(req.originalUrl);
    if (!m) return;
    metrics.webhookRejected(req.route ? m[1]! : 'unknown', code);
  };
}
