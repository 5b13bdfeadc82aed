// Load generation with autocannon: every request gets its own signed body (a unique order id,
// since a repeated WooCommerce body is answered as a duplicate).
import autocannon from 'autocannon';
import { wooOrder, wooSignature } from '../../test/support/woo';
import { wooSecret } from './stack';

export interface LoadResult {
  requests: number;
  durationS: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
  status: Record<string, number>;
  errors: number;
  timeouts: number;
}

export interface SignedRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A signed WooCommerce paid-order webhook for store `store`, order `id`. */
export function wooRequest(store: string, id: number): SignedRequest {
  const body = JSON.stringify(wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
  return {
    path: `/webhooks/woocommerce/${store}`,
    headers: {
      'content-type': 'application/json',
      'x-wc-webhook-topic': 'order.updated',
      'x-wc-webhook-signature': wooSignature(body, wooSecret(store)),
    },
    body,
  };
}

export async function load(opts: {
  baseUrl: string;
  next: () => SignedRequest;
  connections?: number;
  durationS?: number;
  amount?: number;
  overallRate?: number;
}): Promise<LoadResult> {
  const started = Date.now();
  const r = await autocannon({
    url: opts.baseUrl,
    connections: opts.connections ?? 16,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.durationS ?? 10 }),
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    timeout: 30,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const s = opts.next();
          return { ...req, method: 'POST', path: s.path, headers: s.headers, body: s.body };
        },
      },
    ],
  });
  const durationS = (Date.now() - started) / 1000;
  return {
    requests: r.requests.total,
    durationS,
    rps: r.requests.total / durationS,
    p50: r.latency.p50,
    p99: r.latency.p99,
    mean: r.latency.mean,
    max: r.latency.max,
    status: Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, v.count])),
    errors: r.errors,
    timeouts: r.timeouts,
  };
}
