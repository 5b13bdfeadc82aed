// Review activities: the review case a person decides on (open, remind, close).
import { log } from '@temporalio/activity';
import type { Reason, ReviewDecision } from '../shared/contract';
import type { ActivityDeps } from './deps';
import { countOrder } from './order-rows';

export function createReviewActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    async openReviewCase(input: { workflowId: string; reasons: Reason[]; dedupeKey: string }) {
      const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
      if (!order) return;
      const first = input.reasons[0]!;
      const opened = await db.reviewCase.createMany({
        data: [
          {
            orderId: order.id,
            workflowId: input.workflowId,
            reasonCode: first.code,
            reason: input.reasons.map((r) => r.message).join(' '),
            dedupeKey: input.dedupeKey,
          },
        ],
        skipDuplicates: true,
      });
      await db.order.update({ where: { id: order.id }, data: { status: 'in_review' } });
      deps.metrics?.reviewOpened(order.storeId);
      if (opened.count > 0) {
        const lines = await db.orderLine.findMany({ where: { orderId: order.id }, select: { sku: true } });
        await countOrder(
          deps,
          order.storeId,
          lines.map((l) => l.sku),
          (m, region) => m.orderInReview(order.storeId, region, first.code),
        );
      }
    },

    async remindReview(input: { workflowId: string; reminders: number; openedAt: string }) {
      log.warn('review still waiting for a decision', {
        workflowId: input.workflowId,
        reminders: input.reminders,
        openedAt: input.openedAt,
      });
      await db.reviewCase.updateMany({
        where: { workflowId: input.workflowId, status: 'open' },
        data: { note: `reminder ${input.reminders} sent ${new Date().toISOString()}` },
      });
    },

    async closeReviewCase(input: { workflowId: string; decision: ReviewDecision }) {
      await db.reviewCase.updateMany({
        where: { workflowId: input.workflowId, status: 'open' },
        data: {
          status: 'decided',
          decision: input.decision.action,
          decidedBy: input.decision.by,
          note: input.decision.note ?? null,
          decidedAt: new Date(),
        },
      });
    },
  };
}

export type ReviewActivities = ReturnType<typeof createReviewActivities>;
