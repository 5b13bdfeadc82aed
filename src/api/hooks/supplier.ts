// Supplier webhook (seed 000): X-Signature = hex HMAC-SHA256 of the raw body. Completed,
// partial and failed events signal the order's workflow; the workflow ignores duplicates and
// stale (out-of-order) reports.
import { Router } from 'express';
import { alphaWebhookSchema, toReport } from '../../suppliers/alpha-psn';
import { fulfillmentWorkflowId, parseClientOrderId } from '../../shared/contract';
import { HttpError } from '../errors';
import { anySecretMatches, requireSignature } from '../verify';
import { bodyBytes, hookLimits, parseJson, rawBody, requireContentType, toTemporal } from './common';
import type { HookDeps } from './deps';

export function supplierRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('supplier', deps.rateLimit);
  router.post('/', rawBody(deps.bodyLimit), async (req, res) => {
    const body = bodyBytes(req);
    await limits.authenticate(req, res, () => {
      requireContentType(req, ['application/json']);
      requireSignature(anySecretMatches(deps.supplierSecrets, body, req.get('x-signature'), 'hex'));
    });
    const event = alphaWebhookSchema.parse(parseJson(body));
    const ref = parseClientOrderId(event.data.externalOrderId);
    if (!ref) throw new HttpError(404, 'unknown_order', 'The event names an order cardbridge did not place.');
    const workflowId = fulfillmentWorkflowId(ref.storeId, ref.orderId);
    if (await deps.receipts.seen('supplier', event.id)) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    const outcome = await toTemporal(req, () =>
      deps.gateway.supplierCallback(workflowId, { eventId: event.id, report: toReport(event.data) }),
    );
    if (outcome === 'not_found')
      throw new HttpError(404, 'unknown_order', 'No fulfillment exists for this order.');
    await deps.receipts.record({
      provider: 'supplier',
      eventId: event.id,
      storeId: ref.storeId,
      workflowId,
      outcome,
    });
    deps.metrics?.webhookAccepted('supplier');
    res.status(200).json({ ok: true, outcome });
  });
  return router;
}
