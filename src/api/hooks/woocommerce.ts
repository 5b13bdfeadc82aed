// WooCommerce order webhooks. X-WC-Webhook-Signature is the base64 HMAC-SHA256 of the raw body
// under the store's webhook secret; X-WC-Webhook-Topic / -Resource / -Event name the event,
// X-WC-Webhook-ID the webhook and X-WC-Webhook-Delivery-ID the delivery (not stable).
//
// WooCommerce never re-sends a delivery and disables the webhook after more than 5 consecutive
// non-2xx answers, so a delivery whose signature verifies is answered 2xx whatever it holds:
// what cannot become a normal order is recorded (receipt outcome) and, when the order exists
// in cardbridge or is paid, forwarded with `details.problems` so the workflow holds it for
// review. Only "Temporal unavailable" is a 503 (the REST sweep recovers those orders).
//
//   order.created / order.updated  full snapshot: a paid order starts or signals its workflow;
//                                  an unpaid one only reaches an existing workflow (cancel,
//                                  refund or edit in the store) and starts nothing.
//   order.deleted                  body {"id":N} (sent when the order is trashed; the body does
//                                  not say whether it was deleted for good): status "deleted".
//   order.restored                 the full order when WooCommerce sends it, else "restored".
//   anything else                  recorded and acknowledged.
import { createHash } from 'node:crypto';
import { Router, type Request } from 'express';
import { STOREFRONT_STOP_STATUSES, type StorefrontStatusChange } from '../../shared/contract';
import {
  opensWorkflow,
  parseWooOrder,
  settleLaterMethodsOf,
  WooOrderUnreadableError,
  wooOrderId,
} from '../../storefront/woocommerce-order';
import { HttpError } from '../errors';
import type { Delivery } from '../gateway';
import { anySecretMatches, requireSignature } from '../verify';
import { bodyBytes, hookLimits, rawBody, requireContentType, toTemporal } from './common';
import type { HookDeps } from './deps';

/** The creation ping: `webhook_id=N`, form-encoded, unsigned, no X-WC-* headers. */
const PING = /^webhook_id=\d{1,20}$/;

function topicOf(req: Request): string {
  const topic = (req.get('x-wc-webhook-topic') ?? '').trim().toLowerCase();
  if (topic) return topic.slice(0, 100);
  const resource = (req.get('x-wc-webhook-resource') ?? '').trim().toLowerCase();
  const event = (req.get('x-wc-webhook-event') ?? '').trim().toLowerCase();
  // Without any topic header (an old relay, a hand-made test) an order body is an update.
  return resource && event ? `${resource}.${event}`.slice(0, 100) : 'order.updated';
}

/**
 * The order snapshot of a body, or undefined when it names no order or (order.restored) carries
 * only the id. Paid depends on the store's settle-later payment methods.
 */
async function readSnapshot(json: unknown, eventId: string, settings: () => Promise<unknown>) {
  const orderId = wooOrderId(json);
  // order.restored may carry only {"id":N}: no snapshot then.
  if (!orderId || typeof json !== 'object' || json === null) return undefined;
  if (!Object.keys(json).some((k) => k !== 'id')) return undefined;
  try {
    return parseWooOrder(json, { eventId, settleLaterMethods: settleLaterMethodsOf(await settings()) });
  } catch (err) {
    if (err instanceof WooOrderUnreadableError) return undefined;
    throw err;
  }
}

export function woocommerceRouter(deps: HookDeps): Router {
  const router = Router();
  const limits = hookLimits('woocommerce', deps.rateLimit);
  router.post('/:storeId', rawBody(deps.bodyLimit), async (req: Request<{ storeId: string }>, res) => {
    const { storeId } = req.params;
    const body = bodyBytes(req);
    const secrets = (await deps.storeSecrets(storeId))?.woocommerce;
    if (!secrets?.length) {
      await limits.unverified(req, res);
      throw new HttpError(
        404,
        'unknown_store',
        `No WooCommerce webhook is configured for store "${storeId}".`,
      );
    }
    const signature = req.get('x-wc-webhook-signature');
    if (!signature && PING.test(body.toString('utf8').trim())) {
      await limits.unverified(req, res);
      res.status(200).json({ ok: true, ping: true });
      return;
    }
    await limits.authenticate(req, res, () => {
      requireContentType(req, ['application/json']);
      requireSignature(anySecretMatches(secrets, body, signature, 'base64'));
    });

    // Verified: from here on every answer is 2xx except a 503 when Temporal is unavailable.
    const topic = topicOf(req);
    const webhookId = (req.get('x-wc-webhook-id') ?? '').slice(0, 40);
    const deliveryId = (req.get('x-wc-webhook-delivery-id') ?? '').slice(0, 100);
    const hash = createHash('sha256').update(topic).update('\n').update(body).digest('hex');
    // WooCommerce's delivery id is not stable across identical events; the body is. The bodies
    // of order.deleted / order.restored ({"id":N}) repeat, so their delivery id counts too.
    const statusOnly = topic === 'order.deleted' || topic === 'order.restored';
    const eventId = `woo:${storeId}:${statusOnly && deliveryId ? `${hash}:${deliveryId}` : hash}`;
    const log = (req as Request & { log?: { warn(o: object, m: string): void } }).log;

    const finish = async (
      outcome: Delivery | string,
      orderId?: string,
      note?: { ignored?: string; problems?: number },
    ) => {
      const workflowId = orderId ? deps.workflowId(storeId, orderId) : undefined;
      await deps.receipts.record({ provider: 'woocommerce', eventId, storeId, workflowId, outcome });
      // Answered 2xx so WooCommerce keeps the webhook, but counted with the rejections for ops.
      if (outcome.startsWith('unreadable_')) deps.metrics?.webhookRejected('woocommerce', outcome);
      else deps.metrics?.webhookAccepted('woocommerce');
      const moved = outcome === 'started_or_signalled' || outcome === 'signalled';
      res
        .status(moved ? 202 : 200)
        .json({ ok: true, ...(workflowId ? { workflowId } : {}), outcome, ...note });
    };

    /** A stop status for an order whose workflow closed delivered: ops must look at it. */
    const afterClose = async (orderId: string, status: string) => {
      if (!STOREFRONT_STOP_STATUSES.includes(status)) return;
      const facts = await toTemporal(req, () => deps.gateway.orderFacts(storeId, orderId));
      if (facts?.state !== 'delivered') return;
      const workflowId = deps.workflowId(storeId, orderId);
      await deps.latePayments.changeAfterDelivery({
        provider: 'woocommerce',
        eventId,
        storeId,
        orderId,
        workflowId,
        status,
      });
    };

    if (await deps.receipts.seen('woocommerce', eventId)) {
      res.status(200).json({ ok: true, duplicate: true });
      return;
    }
    if (!topic.startsWith('order.')) {
      log?.warn({ topic, webhookId, eventId }, 'woocommerce topic not handled; acknowledged');
      await finish('ignored_topic', undefined, { ignored: `topic ${topic} is not handled` });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8')) as unknown;
    } catch {
      log?.warn({ topic, webhookId, eventId }, 'woocommerce delivery is not JSON; recorded');
      await finish('unreadable_json', undefined, { ignored: 'the body is not JSON' });
      return;
    }

    const snapshot =
      topic === 'order.deleted'
        ? undefined
        : await readSnapshot(json, eventId, () => deps.storeSettings(storeId));

    if (topic === 'order.deleted' || (topic === 'order.restored' && !snapshot)) {
      const orderId = wooOrderId(json);
      if (!orderId) {
        await finish('unreadable_order', undefined, { ignored: 'the body names no order id' });
        return;
      }
      const change: StorefrontStatusChange = {
        source: 'woocommerce',
        eventId,
        status: topic === 'order.deleted' ? 'deleted' : 'restored',
        at: new Date().toISOString(),
      };
      const outcome = await toTemporal(req, () => deps.gateway.storefrontStatus(storeId, orderId, change));
      if (outcome === 'already_closed') await afterClose(orderId, change.status);
      await finish(outcome === 'not_found' ? 'ignored_no_workflow' : outcome, orderId);
      return;
    }
    if (!['order.created', 'order.updated', 'order.restored'].includes(topic)) {
      await finish('ignored_topic', undefined, { ignored: `topic ${topic} is not handled` });
      return;
    }
    if (!snapshot) {
      log?.warn({ topic, webhookId, eventId }, 'woocommerce delivery names no order; recorded');
      await finish('unreadable_order', undefined, { ignored: 'the body names no order id' });
      return;
    }

    const { orderId, details } = snapshot;
    const problems = details.problems?.length ?? 0;
    if (problems)
      log?.warn(
        { orderId, workflowId: deps.workflowId(storeId, orderId), eventId, problems: details.problems },
        'woocommerce order has data problems; forwarded for review',
      );
    if (opensWorkflow(details, await deps.storeSettings(storeId))) {
      const outcome = await toTemporal(req, () => deps.gateway.orderDetails(storeId, orderId, details));
      await finish(outcome, orderId, problems ? { problems } : undefined);
      return;
    }
    // Not paid: only an order that already has a workflow hears about it.
    const outcome = await toTemporal(req, () => deps.gateway.orderUpdate(storeId, orderId, details));
    if (outcome === 'already_closed') await afterClose(orderId, details.status);
    if (outcome === 'not_found') {
      await finish(problems ? 'ignored_unpaid_with_problems' : 'ignored_unpaid', orderId, {
        ignored: 'order is not paid yet',
      });
      return;
    }
    await finish(outcome, orderId, problems ? { problems } : undefined);
  });
  return router;
}
