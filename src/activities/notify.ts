// Notify activities: what the customer and the storefront hear (email, order note, refund).
import type { NoticeTemplate } from '../notify/notifier';
import type { ActivityDeps } from './deps';
import { keptAlive } from './keep-alive';
import { orderRow, writeEvents, type EventRow } from './order-rows';
import { applyOrderState } from './orders';

export function createNotifyActivities(deps: ActivityDeps) {
  const { db } = deps;

  // Each call reaches a person or a storefront over the network: heartbeating while it runs.
  return keptAlive({
    async notifyCustomer(input: { workflowId: string; template: NoticeTemplate; dedupeKey: string }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return;
      await deps.notifier.notify({ order, template: input.template, dedupeKey: input.dedupeKey });
    },

    /**
     * The delivered notice, then the events that led to it and the order's
     * final state: one task where there were three. A retry sends no second email (the notice's
     * dedupe key) and writes no second row (the events' keys; the state is idempotent).
     */
    async deliverOrder(input: { workflowId: string; dedupeKey: string; events: EventRow[] }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return;
      await deps.notifier.notify({ order, template: 'delivered', dedupeKey: input.dedupeKey });
      await writeEvents(db, input.workflowId, input.events);
      await applyOrderState(deps, input.workflowId, 'delivered');
    },

    async updateStorefront(input: { workflowId: string; outcome: 'delivered' | 'cancelled' }) {
      const order = await orderRow(db, input.workflowId);
      await deps.storefronts.update(order, input.outcome);
    },

    /** `amount`: what the code lines were paid (a mixed cart's other lines are not ours to refund). */
    async refundPayment(input: { workflowId: string; dedupeKey: string; amount?: string }) {
      const order = await orderRow(db, input.workflowId);
      await deps.storefronts.refund(order, input.dedupeKey, input.amount);
    },
  });
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
