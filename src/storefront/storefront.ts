// Updates the storefront an order came from: a note with masked codes and a status change,
// or a refund. One implementation per platform behind this interface.
import type { Order } from '../generated/prisma/client';

export interface Storefronts {
  update(order: Order, outcome: 'delivered' | 'cancelled'): Promise<void>;
  /** Refunds `amount` (default: the order's total), once per idempotency key. */
  refund(order: Order, idempotencyKey: string, amount?: string): Promise<void>;
}
