// Resend the codes email for one order (support: "I never got my codes"). Always the delivered
// template, so the email always carries every code delivered for the order; each resend is its
// own notifications row (who asked, when, Message-ID). Used by the ops CLI and scripts/resend.ts.
import type { Db } from '../db/client';
import type { Notifier } from './notifier';

export class ResendError extends Error {
  override name = 'ResendError';
}

export interface ResendResult {
  workflowId: string;
  dedupeKey: string;
  codes: number;
}

export async function resendCodes(
  deps: { db: Db; notifier: Notifier; now?: () => Date },
  input: { storeId: string; orderId: string; by: string },
): Promise<ResendResult> {
  if (!input.by.trim()) throw new ResendError('say who asks for the resend (by)');
  const order = await deps.db.order.findUnique({
    where: { storeId_externalOrderId: { storeId: input.storeId, externalOrderId: input.orderId } },
  });
  if (!order) throw new ResendError(`no order ${input.orderId} in store ${input.storeId}`);
  if (!order.customerEmail) throw new ResendError(`order ${input.orderId} has no customer email address`);
  const codes = await deps.db.deliveredCode.count({ where: { orderId: order.id } });
  if (!codes) throw new ResendError(`order ${input.orderId} has no delivered codes to resend`);
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const dedupeKey = `${order.workflowId}/resend/${at}`;
  await deps.notifier.notify({ order, template: 'delivered', dedupeKey, requestedBy: input.by });
  return { workflowId: order.workflowId, dedupeKey, codes };
}
