// Pocketsflow `order.completed` (seed 002): X-Pocketsflow-Signature = hex HMAC-SHA256 of the raw
// body under the store's signing secret, X-Pocketsflow-Timestamp = send time in ms (window),
// X-Pocketsflow-Event = the event type. metadata.woocommerce_order_id names the storefront order.
// It is a payment: signal-with-start, so it may arrive before or after the order event.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ORDER_ID } from '../../shared/contract';
import { HttpError } from '../errors';
import { anySecretMatches, requireFresh, requireSignature } from '../verify';
import {
  bodyBytes,
  hookLimits,
  parseJson,
  rawBody,
  requireContentType,
  senderId,
  toTemporal,
} from './common';
import type { HookDeps } from './deps';
import { deliverPocketsflowPayment, pocketsflowEventId } from '../pocketsflow-payment';

const pocketsflowOrder = z.object({
  id: senderId(200).describe("Pocketsflow's order id (dedupe key with the event type)."),
  status: z.string().max(40).optional(),
  amount: z.union([z.number(), z.string().max(40)]).optional(),
  currency: z.string().max(8).optional(),
  metadata: z.object({
    woocommerce_order_id: z
      .union([z.number().int().positive(), z.string().regex(ORDER_ID, 'must be a usable order id')])
      .describe('The storefront order this payment settles (set at checkout, echoed back).'),
  }),
});

/** The order object itself, or an envelope with it under `data`. */
const pocketsflowEnvelope = z.object({ type: z.string().max(80).optional(), data: pocketsflowOrder });
export const pocketsflowEventSchema = z.union([pocketsflowOrder, pocketsflowEnvelope]);

/** Parses either shape with field paths (a plain union would only say "Invalid input"). */
function parseEvent(json: unknown): z.infer<typeof pocketsflowOrder> {
  const enveloped = typeof json === 'object' && json !== null && 'data' in json;
  return enveloped ? pocketsflowEnvelope.parse(json).data : pocketsflowOrder.parse(json);
}

export function pocketsflowRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('pocketsflow', deps.rateLimit);
  router.post('/:storeId', rawBody(deps.bodyLimit), async (req: Request<{ storeId: string }>, res) => {
    const { storeId } = req.params;
    const body = bodyBytes(req);
    await limits.authenticate(req, res, async () => {
      const secrets = (await deps.storeSecrets(storeId))?.pocketsflow;
      if (!secrets?.length)
        throw new HttpError(
          404,
          'unknown_store',
          `No Pocketsflow webhook is configured for store "${storeId}".`,
        );
      requireContentType(req, ['application/json']);
      requireSignature(anySecretMatches(secrets, body, req.get('x-pocketsflow-signature'), 'hex'));
      const ts = req.get('x-pocketsflow-timestamp') ?? '';
      requireFresh(/^\d{1,15}$/.test(ts) ? Number(ts) : NaN, deps.toleranceMs);
    });

    const type = req.get('x-pocketsflow-event') ?? '';
    if (!type) throw new HttpError(400, 'missing_event', 'The X-Pocketsflow-Event header is missing.');
    if (type !== 'order.completed') {
      // Genuine, but not an event that moves an order: acknowledge so it is not re-sent.
      res.status(200).json({ ok: true, ignored: `event ${type.slice(0, 80)} is not handled` });
      return;
    }
    const order = parseEvent(parseJson(body));
    const orderId = String(order.metadata.woocommerce_order_id);
    if (!ORDER_ID.test(orderId)) throw new HttpError(400, 'invalid_order_id', 'The order id is not usable.');

    // One completion per Pocketsflow order: re-sends (new timestamp, same order) are duplicates.
    if (await deps.receipts.seen('pocketsflow', pocketsflowEventId(storeId, order.id))) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    const { outcome, workflowId } = await toTemporal(req, () =>
      deliverPocketsflowPayment(deps, {
        storeId,
        orderId,
        pocketsflowOrderId: order.id,
        currency: order.currency,
        answered: '2xx (Pocketsflow keeps the payment)',
      }),
    );
    deps.metrics?.webhookAccepted('pocketsflow');
    res.status(202).json({ ok: true, workflowId, outcome });
  });
  return router;
}
