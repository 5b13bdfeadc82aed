// Webhook receipts: (provider, eventId) is recorded after the event reached Temporal, so a
// re-delivery is answered from here and a failed delivery is retried by the sender.
import type { Db } from '../db/client';

export interface Receipts {
  seen(provider: string, eventId: string): Promise<boolean>;
  record(r: {
    provider: string;
    eventId: string;
    storeId?: string;
    workflowId?: string;
    outcome: string;
  }): Promise<void>;
}

/** PostgreSQL text cannot hold NUL: a sender's id with one must not turn into a 500. */
const storable = (s: string) => s.replace(/\0/g, '\uFFFD');

export function createReceipts(db: Db): Receipts {
  return {
    async seen(provider, eventId) {
      return (await db.webhookReceipt.count({ where: { provider, eventId: storable(eventId) } })) > 0;
    },
    async record(r) {
      await db.webhookReceipt.createMany({
        data: [
          {
            provider: r.provider,
            eventId: storable(r.eventId),
            storeId: r.storeId ?? null,
            workflowId: r.workflowId ?? null,
            outcome: r.outcome,
          },
        ],
        skipDuplicates: true,
      });
    },
  };
}
