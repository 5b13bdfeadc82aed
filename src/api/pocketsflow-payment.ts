// One Pocketsflow order.completed, wherever it was learnt (its webhook, or the recovery sweep
// listing GET /orders): one event id, one payment signal, one receipt, and a case when the
// order's workflow already closed without delivering. Pocketsflow cannot refund from our answer,
// so a late payment is recorded for ops and acknowledged.
import { fulfillmentWorkflowId } from '../shared/contract';
import type { Delivery, Gateway } from './gateway';
import { recordPaymentAfterClose, type LatePayments } from './late-payments';
import type { Receipts } from './receipts';

/** Re-sends of one completion (new timestamp, same Pocketsflow order) share it. */
export function pocketsflowEventId(storeId: string, pocketsflowOrderId: string): string {
  return `pocketsflow:${storeId}:${pocketsflowOrderId}:order.completed`;
}

export async function deliverPocketsflowPayment(
  deps: { gateway: Pick<Gateway, 'payment' | 'orderFacts'>; latePayments: LatePayments; receipts: Receipts },
  p: { storeId: string; orderId: string; pocketsflowOrderId: string; currency?: string; answered: string },
): Promise<{ outcome: Delivery; workflowId: string }> {
  const { storeId, orderId } = p;
  const eventId = pocketsflowEventId(storeId, p.pocketsflowOrderId);
  const workflowId = fulfillmentWorkflowId(storeId, orderId);
  // The amount is not forwarded: the seed does not say whether it is in cents or units.
  const outcome = await deps.gateway.payment(storeId, orderId, {
    source: 'pocketsflow',
    eventId,
    paymentMethod: 'pocketsflow',
  });
  const closedAs =
    outcome === 'already_closed'
      ? await recordPaymentAfterClose(deps.gateway, deps.latePayments, {
          provider: 'pocketsflow',
          eventId,
          storeId,
          orderId,
          workflowId,
          currency: p.currency,
          answered: p.answered,
        })
      : undefined;
  await deps.receipts.record({
    provider: 'pocketsflow',
    eventId,
    storeId,
    workflowId,
    outcome: closedAs && closedAs !== 'delivered' ? 'payment_after_close' : outcome,
  });
  return { outcome, workflowId };
}
