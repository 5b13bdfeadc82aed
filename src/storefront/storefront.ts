// Updates the storefront an order came from: a note with masked codes and a status change,
// or a refund. One implementation per platform behind this interface.
import type { Order } from '../generated/prisma/client';

export interface Storefronts {
  update(order: Order, outcome: 'delivered' | 'cancelled'): Promise<void>;
  refund(order: Order, idempotencyKey: string): Promise<void>;
}
