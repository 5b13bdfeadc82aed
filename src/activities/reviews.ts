// Review activities: the review case a person decides on (open, remind, close).
import { log } from '@temporalio/activity';
import { PLACEHOLDER_ORDER_STATUS, type Reason, type ReviewDecision } from '../shared/contract';
import type { ActivityDeps } from './deps';
import { countOrder } from './order-rows';

export function createReviewActivities(deps: ActivityDeps) {
  const { db } = deps;

  return {
    async openReviewCase(input: { workflowId: string; reasons: Reason[]; dedupeKey: string }) {
      // A payment whose order never arrived has no order row yet: the case needs one, so a
      // placeholder is written (recordOrder fills it in if the order arrives).
      const order =
        (await db.order.findUnique({ where: { workflowId: input.workflowId } })) ??
        (await placeholderOrder(db, input.workflowId));
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

async function placeholderOrder(db: ActivityDeps['db'], workflowId: string) {
  const m = /^fulfill:([^:]+):(.+)$/.exec(workflowId);
  if (!m) return null;
  const [, storeId, orderId] = m as unknown as [string, string, string];
  if (!(await db.store.findUnique({ where: { id: storeId }, select: { id: true } }))) return null;
  return db.order.upsert({
    where: { workflowId },
    update: {},
    create: {
      workflowId,
      storeId,
      externalOrderId: orderId,
      status: PLACEHOLDER_ORDER_STATUS,
      channel: 'unknown',
      currency: 'XXX',
      total: '0',
    },
  });
}
