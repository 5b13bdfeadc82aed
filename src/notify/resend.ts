// Send a customer notice again (support: "I never got my codes"). The one resend path: the admin
// order page's button, `npm run ops -- notify` and `npm run notify:resend` all call resendNotice,
// so every resend records the same things: its own `notifications` row (dedupe key
// `<workflow>/<template>/resend/<time>`, `requested_by` = who asked, Message-ID) and a
// `notice.resent` fulfillment event naming the template, who asked and that row. The delivered
// template always carries every code delivered for the order.
import type { Db } from '../db/client';
import { NOTICE_TEMPLATES, type NoticeTemplate, type Notifier } from './notifier';

export class ResendError extends Error {
  override name = 'ResendError';
}

export interface ResendResult {
  workflowId: string;
  template: NoticeTemplate;
  /** The new notifications row (and the event's dedupe key). */
  dedupeKey: string;
  /** Codes delivered for the order (all in the email when the template is `delivered`). */
  codes: number;
  /** Masked: enough for support to recognise, not to leak. */
  recipient: string;
  /** The row's status after sending: sent, or recorded when no mail server is configured. */
  status: string;
  requestedBy: string;
}

/** "buyer@example.com" -> "b****@example.com". */
export function maskEmail(email: string | null): string {
  if (!email) return '(no email on the order)';
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 1)}****@${domain}`;
}

export async function resendNotice(
  deps: { db: Db; notifier: Notifier; now?: () => Date },
  input: { workflowId: string; template?: NoticeTemplate; by: string },
): Promise<ResendResult> {
  const { db } = deps;
  const template = input.template ?? 'delivered';
  const by = input.by.trim();
  if (!NOTICE_TEMPLATES.includes(template))
    throw new ResendError(`the template is one of ${NOTICE_TEMPLATES.join(', ')}`);
  if (!by) throw new ResendError('say who asks for the resend (by)');
  const order = await db.order.findUnique({ where: { workflowId: input.workflowId } });
  if (!order) throw new ResendError(`no order recorded for ${input.workflowId}`);
  if (!order.customerEmail)
    throw new ResendError(`order ${order.externalOrderId} has no customer email address`);
  const codes = await db.deliveredCode.count({ where: { orderId: order.id } });
  if (template === 'delivered' && !codes)
    throw new ResendError(`order ${order.externalOrderId} has no delivered codes to resend`);
  const at = (deps.now ?? (() => new Date()))().toISOString();
  const dedupeKey = `${order.workflowId}/${template}/resend/${at}`;
  await deps.notifier.notify({ order, template, dedupeKey, requestedBy: by });
  const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey } });
  await db.fulfillmentEvent.createMany({
    data: [
      {
        orderId: order.id,
        type: 'notice.resent',
        status: row.status,
        details: { template, requestedBy: by, notification: dedupeKey },
        channel: order.channel,
        region: order.region,
        paymentMethod: order.paymentMethod,
        dedupeKey,
      },
    ],
    skipDuplicates: true,
  });
  return {
    workflowId: order.workflowId,
    template,
    dedupeKey,
    codes,
    recipient: maskEmail(order.customerEmail),
    status: row.status,
    requestedBy: by,
  };
}
