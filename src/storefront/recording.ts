// Storefront updates recorded in the database only (stores without REST credentials).
import type { Db } from '../db/client';
import type { Storefronts } from './storefront';

export function createRecordingStorefronts(db: Db): Storefronts {
  const record = async (orderId: string, template: string, dedupeKey: string) => {
    await db.notification.createMany({
      data: [{ orderId, channel: 'storefront', template, status: 'recorded', dedupeKey }],
      skipDuplicates: true,
    });
  };
  return {
    update: (order, outcome) => record(order.id, outcome, `${order.workflowId}/storefront/${outcome}`),
    refund: (order, key) => record(order.id, 'refund', key),
  };
}
