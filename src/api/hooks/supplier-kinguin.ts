// Kinguin-style supplier webhook (`order.status`): authenticated by the fixed X-Event-Secret
// header (no body signature, as Kinguin sends it), carrying only ids and status. It never
// carries keys, so it tells the order's workflow to look the batch up now (supplierStatus
// signal); Kinguin delivers unordered and retries, so duplicates are dropped by event id.
import { Router } from 'express';
import { kinguinWebhookSchema, KINGUIN } from '../../suppliers/kinguin';
import { fulfillmentWorkflowId, parseClientOrderId } from '../../shared/contract';
import { safeEqual } from '../../observability/safe-equal';
import { HttpError } from '../errors';
import { requireSignature } from '../verify';
import { bodyBytes, hookLimits, parseJson, rawBody, requireContentType, toTemporal } from './common';
import type { HookDeps } from './deps';

export function kinguinSupplierRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('kinguin', deps.rateLimit);
  router.post('/', rawBody(deps.bodyLimit), async (req, res) => {
    const body = bodyBytes(req);
    await limits.authenticate(req, res, () => {
      requireContentType(req, ['application/json']);
      const given = req.get('x-event-secret') ?? '';
      requireSignature(given !== '' && deps.kinguinSecrets.some((s) => safeEqual(s, given)));
    });
    if (req.get('x-event-name') && req.get('x-event-name') !== 'order.status') {
      res.status(200).json({ ok: true, ignored: true }); // product.update and the like: not ours to act on
      return;
    }
    const event = kinguinWebhookSchema.parse(parseJson(body));
    const ref = parseClientOrderId(event.orderExternalId);
    if (!ref) throw new HttpError(404, 'unknown_order', 'The event names an order cardbridge did not place.');
    const workflowId = fulfillmentWorkflowId(ref.storeId, ref.orderId);
    // Kinguin has no event id: the order, its status and its update time identify one change.
    const eventId = `${event.orderId}:${event.status}:${event.updatedAt}`;
    if (await deps.receipts.seen('kinguin', eventId)) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    const outcome = await toTemporal(req, () =>
      deps.gateway.supplierStatus(workflowId, {
        eventId: `kinguin:${eventId}`,
        supplier: KINGUIN,
        clientOrderId: event.orderExternalId,
        status: event.status,
      }),
    );
    if (outcome === 'not_found')
      throw new HttpError(404, 'unknown_order', 'No fulfillment exists for this order.');
    await deps.receipts.record({ provider: 'kinguin', eventId, storeId: ref.storeId, workflowId, outcome });
    deps.metrics?.webhookAccepted('kinguin');
    res.status(200).json({ ok: true, outcome });
  });
  return router;
}
