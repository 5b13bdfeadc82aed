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

/**
 * Two runs against the same target as one: requests and time add up, so rps is their total
 * rate; latency percentiles are the request-weighted mean of the runs' (an approximation: the
 * runs' raw latencies are not kept).
 */
export function joinRuns(a: LoadResult, b: LoadResult): LoadResult {
  const requests = a.requests + b.requests;
  const durationS = a.durationS + b.durationS;
  const weighted = (k: 'p50' | 'p99' | 'mean') =>
    requests ? (a[k] * a.requests + b[k] * b.requests) / requests : 0;
  const status: Record<string, number> = { ...a.status };
  for (const [k, v] of Object.entries(b.status)) status[k] = (status[k] ?? 0) + v;
  return {
    requests,
    durationS,
    rps: requests / durationS,
    p50: weighted('p50'),
    p99: weighted('p99'),
    mean: weighted('mean'),
    max: Math.max(a.max, b.max),
    status,
    errors: a.errors + b.errors,
    timeouts: a.timeouts + b.timeouts,
  };
}
