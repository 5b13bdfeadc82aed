// Pocketsflow's REST API, for reading only: the recovery sweep lists recent orders
// (`GET /orders`, seed 002: "If one is missed, reconcile by listing recent orders via GET /orders
// and matching on metadata.woocommerce_order_id"). Bearer API key (pk_live_… / pk_test_…). The
// key never appears in an error message.
import { storefrontHttpError } from '../storefront/woocommerce';

export interface PocketsflowOrder {
  id: string;
  status?: string;
  currency?: string;
  /** The storefront order it pays, as set at checkout. */
  wooOrderId?: string;
}

export interface PocketsflowClient {
  /** One page of recent orders, newest first. */
  listOrders(page: number): Promise<{ orders: PocketsflowOrder[]; hasMore: boolean }>;
}

export const POCKETSFLOW_API = 'https://api.pocketsflow.com/v1';

export function createPocketsflowClient(opts: {
  apiKey: string;
  baseUrl?: string;
  timeoutMs: number;
}): PocketsflowClient {
  const base = (opts.baseUrl ?? POCKETSFLOW_API).replace(/\/+$/, '');
  return {
    async listOrders(page) {
      const res = await fetch(`${base}/orders?limit=100&page=${page}`, {
        headers: { Authorization: `Bearer ${opts.apiKey}`, Accept: 'application/json' },
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      const text = await res.text();
      if (!res.ok) throw storefrontHttpError('Pocketsflow GET /orders', res.status);
      const body = JSON.parse(text) as unknown;
      // A list, or a page envelope ({ data: [...], hasMore | has_more }).
      const envelope = Array.isArray(body)
        ? { data: body }
        : (body as { data?: unknown; hasMore?: unknown; has_more?: unknown });
      const rows = Array.isArray(envelope.data) ? envelope.data : [];
      return {
        orders: rows.flatMap((r: unknown) => {
          const o = r as {
            id?: unknown;
            status?: unknown;
            currency?: unknown;
            metadata?: { woocommerce_order_id?: unknown };
          };
          if (typeof o?.id !== 'string' && typeof o?.id !== 'number') return [];
          const woo = o.metadata?.woocommerce_order_id;
          return [
            {
              id: String(o.id),
              status: typeof o.status === 'string' ? o.status : undefined,
              currency: typeof o.currency === 'string' ? o.currency : undefined,
              wooOrderId: typeof woo === 'string' || typeof woo === 'number' ? String(woo) : undefined,
            },
          ];
        }),
        hasMore: envelope.hasMore === true || envelope.has_more === true,
      };
    },
  };
}
