// Alpha PSN-style supplier API (seed 000): POST /api/v1/orders with X-API-Key and
// Idempotency-Key; webhooks signed with X-Signature = hex HMAC-SHA256 of the raw body.
import { z } from 'zod';
import type { SupplierOrderReport, SupplierOrderState } from '../shared/contract';
import {
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierOutcomeUnknownError,
  SupplierUnavailableError,
  type PlaceOrderRequest,
  type SupplierClient,
} from './supplier';

// ------------------------------------------------------------------ wire format

export const alphaOrderSchema = z.object({
  id: z.string(),
  externalOrderId: z.string(),
  status: z.enum(['processing', 'completed', 'partially_completed', 'failed']),
  lines: z.array(
    z.object({
      sku: z.string(),
      quantity: z.number().int().positive(),
      codes: z.array(z.object({ code: z.string(), pin: z.string().optional() })).default([]),
      failedQuantity: z.number().int().min(0).default(0),
    }),
  ),
  cost: z.object({ amount: z.string(), currency: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AlphaOrder = z.infer<typeof alphaOrderSchema>;

export const alphaWebhookSchema = z.object({
  id: z.string().min(1).max(200),
  type: z.enum(['order.completed', 'order.partially_completed', 'order.failed', 'order.processing']),
  createdAt: z.string(),
  data: alphaOrderSchema,
});
export type AlphaWebhook = z.infer<typeof alphaWebhookSchema>;

// ------------------------------------------------------------------ state mapper

const STATES: Record<AlphaOrder['status'], SupplierOrderState> = {
  processing: 'pending',
  completed: 'delivered',
  partially_completed: 'partial',
  failed: 'failed',
};

export function toReport(order: AlphaOrder): SupplierOrderReport {
  return {
    supplierOrderId: order.id,
    clientOrderId: order.externalOrderId,
    state: STATES[order.status],
    lines: order.lines.map((l) => ({
      product: l.sku,
      quantity: l.quantity,
      codes: l.codes,
      failed: l.failedQuantity,
    })),
    cost: order.cost?.amount,
    costCurrency: order.cost?.currency,
    updatedAt: order.updatedAt,
  };
}

// ------------------------------------------------------------------ transport

export interface AlphaPsnOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

export function createAlphaPsnClient(opts: AlphaPsnOptions): SupplierClient {
  async function call(method: string, path: string, init: { body?: unknown; idempotencyKey?: string } = {}) {
    const headers: Record<string, string> = { 'X-API-Key': opts.apiKey, Accept: 'application/json' };
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    if (init.idempotencyKey) headers['Idempotency-Key'] = init.idempotencyKey;
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, opts.baseUrl), {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const message = `${method} ${path}: ${(err as Error).message}`;
      // A POST that may have been sent (anything but a refused connection) may still be
      // processed by the supplier after we gave up: its outcome is unknown, not failed.
      const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      if (method === 'POST' && !refused) throw new SupplierOutcomeUnknownError(message);
      throw new SupplierUnavailableError(message);
    }
    if (res.status === 429) {
      throw new SupplierRateLimitedError(retryAfterMs(res.headers.get('retry-after')));
    }
    if (res.status >= 500) throw new SupplierUnavailableError(`${method} ${path}: HTTP ${res.status}`);
    if (res.status === 404) return { status: 404, body: undefined };
    if (res.status >= 400) {
      throw new SupplierRejectedError(res.status, `HTTP ${res.status}: ${rejectionMessage(text)}`);
    }
    try {
      return { status: res.status, body: JSON.parse(text) as unknown };
    } catch {
      throw new SupplierUnavailableError(`${method} ${path}: response is not JSON`);
    }
  }

  return {
    name: 'alpha-psn',
    async placeOrder(req: PlaceOrderRequest) {
      const { body } = await call('POST', '/api/v1/orders', {
        idempotencyKey: req.idempotencyKey,
        body: {
          externalOrderId: req.clientOrderId,
          lines: req.lines.map((l) => ({ sku: l.product, quantity: l.quantity })),
        },
      });
      return toReport(alphaOrderSchema.parse(body));
    },
    async findOrder(clientOrderId) {
      const { body } = await call(
        'GET',
        `/api/v1/orders?externalOrderId=${encodeURIComponent(clientOrderId)}`,
      );
      const orders = z.object({ orders: z.array(alphaOrderSchema) }).parse(body).orders;
      return orders[0] ? toReport(orders[0]) : null;
    },
    async listOrders(date) {
      const { body } = await call('GET', `/api/v1/orders?date=${encodeURIComponent(date)}`);
      return z
        .object({ orders: z.array(alphaOrderSchema) })
        .parse(body)
        .orders.map(toReport);
    },
    async balance() {
      const { body } = await call('GET', '/api/v1/balance');
      return z.object({ amount: z.string(), currency: z.string() }).parse(body);
    },
    async redemption(supplierOrderId) {
      const res = await call('GET', `/api/v1/orders/${encodeURIComponent(supplierOrderId)}/redemption`);
      if (res.status === 404) return 'unknown';
      const { redeemed } = z.object({ redeemed: z.boolean().nullable() }).parse(res.body);
      return redeemed === null ? 'unknown' : redeemed ? 'used' : 'unused';
    },
  };
}

/** Retry-After is delta-seconds or an HTTP date; default 1 s, capped at 10 minutes. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1000;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  return Math.min(Math.max(Number.isFinite(ms) ? ms : 1000, 0), 600_000);
}

function rejectionMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: string }; message?: string };
    return (parsed.error?.message ?? parsed.message ?? 'rejected').slice(0, 200);
  } catch {
    return 'rejected';
  }
}
