// Payments that arrive when no workflow can take them any more: the order's workflow closed
// without delivering (not_paid, cancelled, refunded, skipped), or the order was never seen. Such
// money is never silent: it becomes an open review case (reason PAYMENT_AFTER_CLOSE or
// ORDER_MISSING) on the exceptions page, in `npm run ops -- show`, and in the review backlog
// metric. A review case hangs off an order row, so one is written when the workflow never
// recorded the order (it closes before recording when no payment came in time).
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import type { Gateway } from './gateway';
import { PLACEHOLDER_ORDER_STATUS } from '../shared/contract';

export interface LatePayment {
  provider: 'paynup' | 'pocketsflow' | 'standard' | 'woocommerce';
  /** The payment's own event id (dedupe: one case per payment). */
  eventId: string;
  storeId: string;
  orderId: string;
  workflowId: string;
  reasonCode: 'PAYMENT_AFTER_CLOSE' | 'ORDER_MISSING';
  /** The closed workflow's final state, when there is one. */
  state?: string;
  amount?: string;
  currency?: string;
  /** What we answered the payment provider (e.g. "410: Pay'nUp refunds it"). */
  answered: string;
}

/** The store cancelled, refunded or deleted an order whose workflow already delivered it. */
export interface ChangeAfterDelivery {
  provider: 'woocommerce';
  eventId: string;
  storeId: string;
  orderId: string;
  workflowId: string;
  /** The storefront's status (cancelled, refunded, trash, deleted, ...). */
  status: string;
}

export interface LatePayments {
  record(p: LatePayment): Promise<void>;
  /**
   * A storefront change no workflow can act on any more (it delivered and closed): an open
   * review case (STOREFRONT_REFUNDED / STOREFRONT_CANCELLED) so ops check the delivered codes.
   */
  changeAfterDelivery(c: ChangeAfterDelivery): Promise<void>;
}

export function createLatePayments(db: Db, logger?: Logger): LatePayments {
  return {
    async record(p) {
      const log = { orderId: p.orderId, workflowId: p.workflowId, provider: p.provider, eventId: p.eventId };
      const store = await db.store.findUnique({ where: { id: p.storeId }, select: { id: true } });
      if (!store) {
        logger?.error({ ...log, storeId: p.storeId }, 'late payment for a store with no database row');
        return;
      }
      const amount = p.amount && /^\d{1,10}(\.\d{1,3})?$/.test(p.amount) ? p.amount : '0';
      const order = await db.order.upsert({
        where: { workflowId: p.workflowId },
        update: {},
        create: {
          workflowId: p.workflowId,
          storeId: p.storeId,
          externalOrderId: p.orderId,
          status: p.state ?? PLACEHOLDER_ORDER_STATUS,
          channel: p.provider,
          paymentMethod: p.provider,
          currency: p.currency ?? 'XXX',
          total: amount,
        },
      });
      const when = p.state
        ? `after its workflow closed as ${p.state}`
        : 'for an order cardbridge never received';
      const reason =
        `A ${p.provider} payment${p.amount ? ` of ${p.amount}${p.currency ? ` ${p.currency}` : ''}` : ''} ` +
        `arrived ${when} (event ${p.eventId}); nothing was delivered for it. Answered ${p.answered}. ` +
        'Check the payment was refunded, or fulfil the order by hand.';
      const dedupeKey = `late-payment/${p.provider}/${p.eventId}`;
      await db.reviewCase.createMany({
        data: [
          {
            orderId: order.id,
            workflowId: p.workflowId,
            reasonCode: p.reasonCode,
            reason,
            dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      await db.fulfillmentEvent.createMany({
        data: [
          {
            orderId: order.id,
            type: 'payment.after_close',
            status: 'review',
            details: {
              provider: p.provider,
              eventId: p.eventId,
              state: p.state ?? null,
              answered: p.answered,
            },
            channel: p.provider,
            paymentMethod: p.provider,
            dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      logger?.warn({ ...log, state: p.state, reasonCode: p.reasonCode }, 'payment arrived after close');
    },

    async changeAfterDelivery(c) {
      const order = await db.order.findUnique({ where: { workflowId: c.workflowId } });
      if (!order) return;
      const reasonCode = c.status === 'refunded' ? 'STOREFRONT_REFUNDED' : 'STOREFRONT_CANCELLED';
      const dedupeKey = `after-delivery/${c.provider}/${c.workflowId}/${c.status}`;
      await db.reviewCase.createMany({
        data: [
          {
            orderId: order.id,
            workflowId: c.workflowId,
            reasonCode,
            reason:
              `The store marked the order "${c.status}" after its codes were delivered (event ${c.eventId}). ` +
              'Check whether the codes were redeemed before refunding; they cannot be taken back automatically.',
            dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      logger?.warn(
        { orderId: c.orderId, workflowId: c.workflowId, status: c.status, reasonCode },
        'storefront changed a delivered order',
      );
    },
  };
}

/**
 * A payment the order's workflow refused because it is closed: recorded as a case unless the
 * order was delivered (a late duplicate of a payment it already had). Returns the closed state.
 * Shared by the webhook handlers and the recovery sweep.
 */
export async function recordPaymentAfterClose(
  gateway: Pick<Gateway, 'orderFacts'>,
  latePayments: LatePayments,
  p: Omit<LatePayment, 'reasonCode' | 'state'>,
): Promise<string | undefined> {
  const facts = await gateway.orderFacts(p.storeId, p.orderId);
  if (facts?.state === 'delivered' && facts.executionStatus === 'COMPLETED') return facts.state;
  const state = facts ? (facts.state ?? facts.executionStatus.toLowerCase()) : undefined;
  await latePayments.record({
    ...p,
    reasonCode: facts?.order ? 'PAYMENT_AFTER_CLOSE' : 'ORDER_MISSING',
    state,
  });
  return state;
}
