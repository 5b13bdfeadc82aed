// Customer notifications. One row per notice in `notifications` (dedupe key = the workflow's),
// so an activity retry never emails twice.
import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import type { Logger } from 'pino';

export const NOTICE_TEMPLATES = ['processing', 'review', 'delivered', 'refunded', 'cancelled'] as const;
export type NoticeTemplate = (typeof NOTICE_TEMPLATES)[number];

export interface NoticeRequest {
  order: Order;
  template: NoticeTemplate;
  dedupeKey: string;
  /** Operator behind a resend; unset when the workflow asks. */
  requestedBy?: string;
}

export interface Notifier {
  notify(input: NoticeRequest): Promise<void>;
}

/** Records each notice; sending is left to a transport (SMTP, see issue on notifications). */
export function createRecordingNotifier(deps: { db: Db; logger: Logger }): Notifier {
  return {
    async notify({ order, template, dedupeKey, requestedBy }) {
      await deps.db.notification.createMany({
        data: [
          {
            orderId: order.id,
            channel: 'email',
            template,
            recipient: order.customerEmail,
            status: 'recorded',
            dedupeKey,
            requestedBy: requestedBy ?? null,
          },
        ],
        skipDuplicates: true,
      });
      deps.logger.info(
        { orderId: order.externalOrderId, workflowId: order.workflowId, template },
        'customer notice recorded',
      );
    },
  };
}
