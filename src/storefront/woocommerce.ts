// WooCommerce REST API (wc/v3) client: order notes, status changes and refunds, with the
// store's consumer key/secret as HTTP Basic auth (WooCommerce's scheme over HTTPS).
// Secrets never appear in an error message: failures name the method, path, status and
// WooCommerce's error code only.
import { ApplicationFailure } from '@temporalio/common';

export interface WooCommerceCredentials {
  consumerKey: string;
  consumerSecret: string;
}

export interface WooRefund {
  id: number;
  reason: string;
  amount: string;
}

/** One page of `GET /orders`: the raw order objects and WooCommerce's page count header. */
export interface WooOrderPage {
  orders: unknown[];
  totalPages: number;
}

/** A webhook as `GET /webhooks` lists it. */
export interface WooWebhook {
  id: number;
  name?: string;
  status: string;
  topic: string;
  delivery_url: string;
}

export interface WooCommerceClient {
  /** Orders modified after `modifiedAfter` (GMT), oldest change first; `perPage` at most 100. */
  listOrders(query: { modifiedAfter: Date; page: number; perPage: number }): Promise<WooOrderPage>;
  listWebhooks(): Promise<WooWebhook[]>;
  addNote(orderId: string, note: string): Promise<{ id: number }>;
  setStatus(orderId: string, status: 'completed' | 'cancelled' | 'on-hold' | 'processing'): Promise<void>;
  listRefunds(orderId: string): Promise<WooRefund[]>;
  refund(orderId: string, refund: { amount: string; reason: string; apiRefund: boolean }): Promise<WooRefund>;
}

export const STOREFRONT_REJECTED = 'StorefrontRejected';

/**
 * WooCommerce answers 500 with these codes for refusals that retrying cannot change (a refund
 * through a gateway that does not support refunds: WC_REST_Order_Refunds_Controller).
 */
const PERMANENT_CODES = new Set(['woocommerce_rest_cannot_create_order_refund']);

/** 4xx other than 408/429, and WooCommerce's permanent refusals, will not get better by retrying. */
export function storefrontHttpError(what: string, status: number, detail?: string): Error {
  const message = `${what} answered HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (
    (status >= 400 && status < 500 && status !== 408 && status !== 429) ||
    PERMANENT_CODES.has(detail ?? '')
  ) {
    return ApplicationFailure.nonRetryable(message, STOREFRONT_REJECTED, { status });
  }
  return new Error(message);
}

export function createWooCommerceClient(opts: {
  baseUrl: string;
  credentials: WooCommerceCredentials;
  timeoutMs: number;
}): WooCommerceClient {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${opts.credentials.consumerKey}:${opts.credentials.consumerSecret}`).toString('base64')}`;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return (await request<T>(method, path, body)).body;
  }

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ body: T; headers: Headers }> {
    const res = await fetch(`${base}/wp-json/wc/v3${path}`, {
      method,
      headers: {
        Authorization: auth,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let code: string | undefined;
      try {
        code = String((JSON.parse(text) as { code?: unknown }).code ?? '') || undefined;
      } catch {
        code = undefined;
      }
      throw storefrontHttpError(`WooCommerce ${method} ${path}`, res.status, code);
    }
    return { body: (text ? JSON.parse(text) : {}) as T, headers: res.headers };
  }

  const order = (id: string) => `/orders/${encodeURIComponent(id)}`;
  return {
    async listOrders({ modifiedAfter, page, perPage }) {
      const query = new URLSearchParams({
        // WooCommerce reads an ISO 8601 date without zone; dates_are_gmt makes it GMT.
        modified_after: modifiedAfter.toISOString().slice(0, 19),
        dates_are_gmt: 'true',
        orderby: 'modified',
        order: 'asc',
        per_page: String(perPage),
        page: String(page),
      });
      const r = await request<unknown[]>('GET', `/orders?${query.toString()}`);
      if (!Array.isArray(r.body))
        throw new Error(`WooCommerce GET /orders answered a ${typeof r.body}, not a list`);
      return { orders: r.body, totalPages: Number(r.headers.get('x-wp-totalpages') ?? '1') || 1 };
    },
    listWebhooks: () => call<WooWebhook[]>('GET', '/webhooks?per_page=100'),
    async addNote(orderId, note) {
      const r = await call<{ id: number }>('POST', `${order(orderId)}/notes`, { note, customer_note: false });
      return { id: r.id };
    },
    async setStatus(orderId, status) {
      await call('PUT', order(orderId), { status });
    },
    listRefunds: (orderId) => call<WooRefund[]>('GET', `${order(orderId)}/refunds`),
    refund: (orderId, r) =>
      call<WooRefund>('POST', `${order(orderId)}/refunds`, {
        amount: r.amount,
        reason: r.reason,
        api_refund: r.apiRefund,
      }),
  };
}
