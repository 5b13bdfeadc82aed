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

export interface WooCommerceClient {
  addNote(orderId: string, note: string): Promise<{ id: number }>;
  setStatus(orderId: string, status: 'completed' | 'cancelled' | 'on-hold' | 'processing'): Promise<void>;
  listRefunds(orderId: string): Promise<WooRefund[]>;
  refund(orderId: string, refund: { amount: string; reason: string; apiRefund: boolean }): Promise<WooRefund>;
}

export const STOREFRONT_REJECTED = 'StorefrontRejected';

/** 4xx other than 408/429 will not get better by retrying. */
export function storefrontHttpError(what: string, status: number, detail?: string): Error {
  const message = `${what} answered HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
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
    return (text ? JSON.parse(text) : {}) as T;
  }

  const order = (id: string) => `/orders/${encodeURIComponent(id)}`;
  return {
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
