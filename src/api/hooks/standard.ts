// Generic signed JSON for Magento, headless and custom storefronts, following Standard Webhooks
// (standardwebhooks.com): `webhook-id`, `webhook-timestamp` (seconds) and `webhook-signature`
// = space-separated `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under the store's
// `whsec_<base64>` secret(s). The id is the dedupe key; the timestamp must be within the window.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ORDER_ID, type OrderDetails, type PaymentReceived } from '../../shared/contract';
import { HttpError } from '../errors';
import { hmac, requireFresh, requireSignature, safeEqual } from '../verify';
import {
  bodyBytes,
  hookLimits,
  parseJson,
  rawBody,
  recordIfLate,
  requireContentType,
  toTemporal,
} from './common';
import type { HookDeps } from './deps';

const amount = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,2})?$/, 'must be a decimal amount like "52.99"')
  .describe('Decimal string in the order currency, at most 2 decimals.');
const orderId = z
  .string()
  .regex(ORDER_ID, 'must be 1-64 of A-Z a-z 0-9 . _ - starting with a letter or digit')
  .describe("The storefront's order id (names the order and its workflow).");
const currency = z
  .string()
  .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code like USD')
  .describe('ISO 4217 currency code.');

export const standardOrderSchema = z.object({
  orderId,
  status: z.string().min(1).max(40).describe('Storefront status, informational (e.g. "processing").'),
  paid: z.boolean().describe('True once the storefront has the money; false = wait for a payment event.'),
  currency,
  total: amount.describe('What the customer pays for the whole order.'),
  paymentMethod: z.string().min(1).max(80).optional(),
  customer: z.object({ email: z.email() }),
  accountRegion: z
    .string()
    .min(2)
    .max(16)
    .optional()
    .describe("Region of the customer's platform account (e.g. US), when the store asks for it."),
  riskFlags: z.array(z.string().min(1).max(64)).max(50).default([]),
  lines: z
    .array(
      z.object({
        sku: z.string().min(1).max(64),
        quantity: z.number().int().min(1).max(1000),
        unitPrice: amount.describe('Price of one unit.'),
        name: z.string().max(200).optional(),
      }),
    )
    .min(1)
    .max(200),
});

export const standardPaymentSchema = z.object({
  orderId,
  paymentId: z.string().min(1).max(200).describe("The payment's id at the gateway."),
  amount,
  currency: currency.optional(),
  paymentMethod: z.string().min(1).max(80).optional(),
});

const timestamp = z.iso
  .datetime({ offset: true })
  .optional()
  .describe('When the event happened (informational).');

export const standardEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.enum(['order.created', 'order.updated']),
    timestamp,
    data: standardOrderSchema,
  }),
  z.object({ type: z.literal('payment.succeeded'), timestamp, data: standardPaymentSchema }),
]);
export type StandardEvent = z.infer<typeof standardEventSchema>;

export function standardToOrderDetails(
  order: z.infer<typeof standardOrderSchema>,
  eventId: string,
): OrderDetails {
  return {
    channel: 'standard',
    status: order.status,
    paid: order.paid,
    paymentMethod: order.paymentMethod,
    currency: order.currency,
    total: order.total,
    customerEmail: order.customer.email,
    accountRegion: order.accountRegion,
    riskFlags: order.riskFlags,
    lines: order.lines.map((l, i) => ({
      lineNo: i + 1,
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice,
      name: l.name,
    })),
    eventId,
  };
}

/**
 * `whsec_<base64>` -> key bytes. Like the official `standardwebhooks` library, a secret without
 * the prefix is base64 too (config refuses a secret that is not valid base64).
 */
export function standardKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** True when any `v1,<sig>` entry of the header matches any secret. */
export function standardSignatureMatches(
  secrets: readonly string[],
  id: string,
  ts: string,
  body: Buffer,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const given = header
    .split(' ')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1,'))
    .map((part) => part.slice(3));
  if (!given.length) return false;
  const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`), body]);
  const expected = secrets.map((s) => hmac(standardKey(s), signed, 'base64'));
  // Compare every pair so timing does not reveal which entry (or secret) matched.
  let ok = false;
  for (const e of expected) for (const g of given) ok = safeEqual(e, g) || ok;
  return ok;
}

export function standardRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('standard', deps.rateLimit);
  router.post('/:storeId', rawBody(deps.bodyLimit), async (req: Request<{ storeId: string }>, res) => {
    const { storeId } = req.params;
    const body = bodyBytes(req);
    const id = req.get('webhook-id') ?? '';
    await limits.authenticate(req, res, async () => {
      const secrets = (await deps.storeSecrets(storeId))?.standard;
      if (!secrets?.length)
        throw new HttpError(
          404,
          'unknown_store',
          `No signed-JSON webhook is configured for store "${storeId}".`,
        );
      requireContentType(req, ['application/json']);
      const ts = req.get('webhook-timestamp') ?? '';
      if (!/^[A-Za-z0-9._:-]{1,200}$/.test(id))
        throw new HttpError(400, 'bad_webhook_id', 'The webhook-id header is missing or not usable.');
      if (!/^\d{1,12}$/.test(ts))
        throw new HttpError(400, 'bad_timestamp', 'The webhook-timestamp header must be epoch seconds.');
      requireSignature(standardSignatureMatches(secrets, id, ts, body, req.get('webhook-signature')));
      requireFresh(Number(ts) * 1000, deps.toleranceMs);
    });

    const event = standardEventSchema.parse(parseJson(body));
    const eventId = `standard:${storeId}:${id}`;
    if (await deps.receipts.seen('standard', eventId)) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    const orderId = event.data.orderId;
    const outcome = await toTemporal(req, () => {
      if (event.type === 'payment.succeeded') {
        const payment: PaymentReceived = {
          source: 'standard',
          eventId,
          amount: event.data.amount,
          paymentMethod: event.data.paymentMethod,
        };
        return deps.gateway.payment(storeId, orderId, payment);
      }
      return deps.gateway.orderDetails(storeId, orderId, standardToOrderDetails(event.data, eventId));
    });
    const workflowId = deps.workflowId(storeId, orderId);
    // A payment for an order whose workflow closed without delivering: recorded for ops.
    const closedAs =
      outcome === 'already_closed' && event.type === 'payment.succeeded'
        ? await recordIfLate(req, deps, {
            provider: 'standard',
            eventId,
            storeId,
            orderId,
            workflowId,
            amount: event.data.amount,
            currency: event.data.currency,
            answered: '2xx',
          })
        : undefined;
    await deps.receipts.record({
      provider: 'standard',
      eventId,
      storeId,
      workflowId,
      outcome: closedAs && closedAs !== 'delivered' ? 'payment_after_close' : outcome,
    });
    deps.metrics?.webhookAccepted('standard');
    res.status(202).json({ ok: true, workflowId, outcome });
  });
  return router;
}
