// The seam between the workflow's activities and any code supplier: a transport that speaks
// the supplier's HTTP API and a mapper from its states to ours. Add a supplier by
// implementing this interface; the workflow does not change.
import type { SupplierOrderReport } from '../shared/contract';

export interface PlaceOrderRequest {
  clientOrderId: string;
  idempotencyKey: string;
  lines: { product: string; quantity: number }[];
}

export interface SupplierClient {
  readonly name: string;
  placeOrder(req: PlaceOrderRequest): Promise<SupplierOrderReport>;
  /** The supplier's order for our client order id, or null when it never received one. */
  findOrder(clientOrderId: string): Promise<SupplierOrderReport | null>;
  listOrders(date: string): Promise<SupplierOrderReport[]>;
  balance(): Promise<{ amount: string; currency: string }>;
  /** Whether the codes of a supplier order were redeemed; 'unknown' when the supplier can't tell. */
  redemption(supplierOrderId: string): Promise<'used' | 'unused' | 'unknown'>;
  /** The supplier's current unit price of a product, where it quotes one (price guard). */
  quote?(product: string): Promise<{ unitPrice: string; currency: string } | null>;
}

/** 4xx: the supplier said no; retrying the same request cannot help. */
export class SupplierRejectedError extends Error {
  override name = 'SupplierRejectedError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 429: retry, but not before the supplier's Retry-After. */
export class SupplierRateLimitedError extends Error {
  override name = 'SupplierRateLimitedError';
  constructor(readonly retryAfterMs: number) {
    super(`supplier rate limit; retry after ${retryAfterMs} ms`);
  }
}

/** 5xx, network error or timeout: transient, and the order may or may not exist. */
export class SupplierUnavailableError extends Error {
  override name = 'SupplierUnavailableError';
}

/**
 * An order call whose outcome is unknown: it may have reached the supplier, which may still
 * create the order (a timeout, or the connection lost after sending). Never re-send it: look
 * the order up until it shows, or let a person decide.
 */
export class SupplierOutcomeUnknownError extends Error {
  override name = 'SupplierOutcomeUnknownError';
}

/**
 * Every supplier the worker can buy from, by name. A mapping names its suppliers; activities
 * receive that name from the workflow and resolve the client here. The first is the default
 * (batches recorded before several suppliers existed name none).
 */
export interface SupplierRegistry {
  readonly names: readonly string[];
  get(name?: string): SupplierClient;
}

export function createSupplierRegistry(clients: SupplierClient[]): SupplierRegistry {
  if (!clients.length) throw new Error('at least one supplier is required');
  const byName = new Map(clients.map((c) => [c.name, c]));
  return {
    names: clients.map((c) => c.name),
    get(name) {
      if (!name) return clients[0]!;
      const client = byName.get(name);
      if (!client)
        throw new Error(`unknown supplier "${name}" (configured: ${[...byName.keys()].join(', ')})`);
      return client;
    },
  };
}
