// Kinguin-style supplier API (Kinguin eCommerce API v2 as its public docs describe it): an order
// is POST /v2/order {products: [{productId, qty, price}], orderExternalId}, where
// `orderExternalId` is unique per account; it is found again by GET /v2/order?orderExternalId=;
// its keys come from GET /v2/order/{orderId}/keys once it is `completed`. X-Api-Key
// authenticates; webhooks (`order.status`) carry only the order's ids and status, authenticated
// by a fixed X-Event-Secret header, so a webhook only tells the workflow to look the order up.
import { z } from 'zod';
import type { SupplierOrderReport, SupplierOrderState } from '../shared/contract';
import { retryAfterMs } from './alpha-psn';
import {
  SupplierOutcomeUnknownError,
  SupplierRateLimitedError,
  SupplierRejectedError,
  SupplierUnavailableError,
  type PlaceOrderRequest,
  type SupplierClient,
} from './supplier';

export const KINGUIN = 'kinguin';

// ------------------------------------------------------------------ wire format

export const kinguinOrderSchema = z.object({
  orderId: z.string(),
  orderExternalId: z.string(),
  status: z.enum(['processing', 'completed', 'canceled', 'refunded']),
  products: z.array(z.object({ productId: z.string(), qty: z.number().int().positive(), price: z.number() })),
  totalPrice: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type KinguinOrder = z.infer<typeof kinguinOrderSchema>;

export const kinguinKeySchema = z.object({
  serial: z.string(),
  type: z.string(),
  productId: z.string(),
});
export type KinguinKey = z.infer<typeof kinguinKeySchema>;

/** The `order.status` webhook body (headers: X-Event-Name, X-Event-Secret). */
export const kinguinWebhookSchema = z.object({
  orderId: z.string().min(1).max(200),
  orderExternalId: z.string().min(1).max(200),
  status: z.enum(['processing', 'completed', 'canceled', 'refunded']),
  updatedAt: z.string(),
});
export type KinguinWebhook = z.infer<typeof kinguinWebhookSchema>;

const STATES: Record<KinguinOrder['status'], SupplierOrderState> = {
  processing: 'pending',
  completed: 'delivered',
  canceled: 'failed',
  refunded: 'failed',
};

/** Our report of a Kinguin order and its keys (keys only exist for a completed order). */
export function toKinguinReport(order: KinguinOrder, keys: KinguinKey[]): SupplierOrderReport {
  let state = STATES[order.status];
  const lines = order.products.map((p) => {
    const codes = keys.filter((k) => k.productId === p.productId).map((k) => ({ code: k.serial }));
    return { product: p.productId, quantity: p.qty, codes, failed: Math.max(0, p.qty - codes.length) };
  });
  if (state === 'delivered' && lines.some((l) => l.failed > 0)) state = 'partial';
  return {
    supplierOrderId: order.orderId,
    clientOrderId: order.orderExternalId,
    state,
    lines: state === 'failed' ? lines.map((l) => ({ ...l, codes: [], failed: l.quantity })) : lines,
    cost: state === 'failed' ? '0.00' : order.totalPrice.toFixed(2),
    costCurrency: 'EUR',
    updatedAt: order.updatedAt,
  };
}

// ------------------------------------------------------------------ transport

export interface KinguinOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
  /** Registry name (default `kinguin`). */
  name?: string;
}

export function createKinguinClient(opts: KinguinOptions): SupplierClient {
  async function call(method: string, path: string, body?: unknown) {
    const headers: Record<string, string> = { 'X-Api-Key': opts.apiKey, Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res: Response;
    let text: string;
    try {
      res = await fetch(new URL(path, opts.baseUrl), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const message = `${method} ${path}: ${(err as Error).message}`;
      const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      if (method === 'POST' && !refused) throw new SupplierOutcomeUnknownError(message);
      throw new SupplierUnavailableError(message);
    }
    if (res.status === 429) throw new SupplierRateLimitedError(retryAfterMs(res.headers.get('retry-after')));
    if (res.status >= 500) throw new SupplierUnavailableError(`${method} ${path}: HTTP ${res.status}`);
    if (res.status === 404) return undefined;
    if (res.status >= 400) throw new SupplierRejectedError(res.status, `HTTP ${res.status}: ${detail(text)}`);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new SupplierUnavailableError(`${method} ${path}: response is not JSON`);
    }
  }

  async function report(order: KinguinOrder): Promise<SupplierOrderReport> {
    if (order.status !== 'completed') return toKinguinReport(order, []);
    const keys = z
      .array(kinguinKeySchema)
      .parse(await call('GET', `/v2/order/${encodeURIComponent(order.orderId)}/keys`));
    return toKinguinReport(order, keys);
  }

  const client: SupplierClient = {
    name: opts.name ?? KINGUIN,
    async placeOrder(req: PlaceOrderRequest) {
      // Kinguin takes the price we agree to pay per unit; the quote is the current one.
      const products = await Promise.all(
        req.lines.map(async (l) => ({
          productId: l.product,
          qty: l.quantity,
          price: Number((await client.quote!(l.product))?.unitPrice ?? 0),
        })),
      );
      const body = await call('POST', '/v2/order', { products, orderExternalId: req.clientOrderId });
      return report(kinguinOrderSchema.parse(body));
    },
    async findOrder(clientOrderId) {
      const body = await call('GET', `/v2/order?orderExternalId=${encodeURIComponent(clientOrderId)}`);
      const { results } = z.object({ results: z.array(kinguinOrderSchema) }).parse(body ?? { results: [] });
      return results[0] ? report(results[0]) : null;
    },
    async listOrders(date) {
      const body = await call('GET', `/v2/order?createdAtFrom=${encodeURIComponent(date)}`);
      const { results } = z.object({ results: z.array(kinguinOrderSchema) }).parse(body ?? { results: [] });
      return Promise.all(results.map(report));
    },
    async balance() {
      const body = z.object({ balance: z.number() }).parse(await call('GET', '/v1/balance'));
      return { amount: body.balance.toFixed(2), currency: 'EUR' };
    },
    /** Kinguin does not say whether a key was redeemed. */
    async redemption() {
      return 'unknown';
    },
    async quote(product) {
      const body = await call('GET', `/v1/products/${encodeURIComponent(product)}`);
      if (body === undefined) return null;
      const p = z.object({ price: z.number() }).parse(body);
      return { unitPrice: p.price.toFixed(2), currency: 'EUR' };
    },
  };
  return client;
}

function detail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { detail?: string; title?: string };
    return (parsed.detail ?? parsed.title ?? 'rejected').slice(0, 200);
  } catch {
    return 'rejected';
  }
}
