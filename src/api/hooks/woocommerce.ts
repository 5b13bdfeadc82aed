// WooCommerce order webhooks (order.created / order.updated): X-WC-Webhook-Signature is the
// base64 HMAC-SHA256 of the raw body under the store's webhook secret. WooCommerce disables a
// webhook after 5 failed deliveries, so every genuine delivery gets a fast 2xx.
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ORDER_ID, type OrderDetails } from '../../shared/contract';
import { HttpError } from '../errors';
import { anySecretMatches, requireSignature } from '../verify';
import { bodyBytes, parseJson, rawBody, requireContentType, toTemporal, webhookRateLimit } from './common';
import type { HookDeps } from './deps';

const PAID_STATUSES = new Set(['processing', 'completed']);

const money = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .pipe(z.string().regex(/^-?\d+(\.\d{1,2})?$/, 'must be an amount'));

export const wooOrderSchema = z.object({
  id: z.number().int().positive(),
  status: z.string().min(1),
  currency: z.string().length(3),
  total: money,
  payment_method: z.string().optional(),
  date_paid: z.string().nullable().optional(),
  billing: z.object({ email: z.string().optional() }).partial().optional(),
  line_items: z
    .array(
      z.object({
        id: z.number().int(),
        name: z.string().optional(),
        sku: z.string().default(''),
        quantity: z.number().int().positive().max(1000),
        price: z.union([z.string(), z.number()]).optional(),
        total: money,
      }),
    )
    .max(200),
  meta_data: z.array(z.object({ key: z.string(), value: z.unknown() })).default([]),
});
export type WooOrder = z.infer<typeof wooOrderSchema>;

function meta(order: WooOrder, ...keys: string[]): string | undefined {
  const hit = order.meta_data.find((m) => keys.includes(m.key));
  return hit && typeof hit.value === 'string' && hit.value.trim() ? hit.value.trim() : undefined;
}

export function toOrderDetails(order: WooOrder, eventId: string): OrderDetails {
  const flags = meta(order, 'risk_flags', '_cardbridge_risk_flags');
  return {
    channel: 'woocommerce',
    status: order.status,
    paid: PAID_STATUSES.has(order.status),
    paymentMethod: order.payment_method || undefined,
    currency: order.currency,
    total: order.total,
    customerEmail: order.billing?.email || undefined,
    accountRegion: meta(order, 'psn_account_region', '_psn_account_region', 'account_region'),
    riskFlags: flags
      ? flags
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : [],
    lines: order.line_items.map((l, i) => ({
      lineNo: i + 1,
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: (Number(l.total) / l.quantity).toFixed(2),
      name: l.name,
    })),
    eventId,
  };
}

export function woocommerceRouter(deps: HookDeps): Router {
  const router = Router();
  router.post(
    '/:storeId',
    webhookRateLimit('woocommerce', deps.rateLimit),
    rawBody(deps.bodyLimit),
    async (req: Request<{ storeId: string }>, res) => {
      const { storeId } = req.params;
      const secrets = deps.storeSecrets(storeId)?.woocommerce;
      if (!secrets?.length)
        throw new HttpError(
          404,
          'unknown_store',
          `No WooCommerce webhook is configured for store "${storeId}".`,
        );
      const body = bodyBytes(req);
      const type = req.get('content-type') ?? '';

      // The creation ping is form-encoded (webhook_id=N) and may be unsigned: acknowledge it.
      if (
        type.startsWith('application/x-www-form-urlencoded') &&
        /^webhook_id=\d+$/.test(body.toString('utf8').trim())
      ) {
        res.status(200).json({ ok: true, ping: true });
        return;
      }
      requireContentType(req, ['application/json']);
      requireSignature(anySecretMatches(secrets, body, req.get('x-wc-webhook-signature'), 'base64'));
      const order = wooOrderSchema.parse(parseJson(body));
      const orderId = String(order.id);
      if (!ORDER_ID.test(orderId))
        throw new HttpError(400, 'invalid_order_id', 'The order id is not usable.');

      // WooCommerce's delivery id is not stable across re-sends; the body is.
      const eventId = `woo:${storeId}:${createHash('sha256').update(body).digest('hex')}`;
      if (await deps.receipts.seen('woocommerce', eventId)) {
        res.status(200).json({ ok: true, duplicate: true });
        return;
      }
      const details = toOrderDetails(order, eventId);
      if (!details.paid) {
        // Unpaid orders start nothing; the paid update (or the gateway's payment event) will.
        await deps.receipts.record({ provider: 'woocommerce', eventId, storeId, outcome: 'ignored_unpaid' });
        res.status(200).json({ ok: true, ignored: 'order is not paid yet' });
        return;
      }
      const outcome = await toTemporal(req, () => deps.gateway.orderDetails(storeId, orderId, details));
      await deps.receipts.record({ provider: 'woocommerce', eventId, storeId, outcome });
      deps.metrics?.webhookAccepted('woocommerce');
      res.status(202).json({ ok: true, workflowId: deps.workflowId(storeId, orderId), outcome });
    },
  );
  return router;
}
