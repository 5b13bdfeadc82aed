// Prometheus metrics (prom-client). One registry per process, passed down.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  supplierCall(operation: string, outcome: string, ms: number): void;
  supplierBalance(amount: number): void;
  /** Codes available in a SKU's pool after a reservation; `low` counts low-stock alerts. */
  poolStock(store: string, sku: string, available: number, low: boolean): void;
  reviewOpened(storeId: string): void;
  webhookRejected(provider: string, reason: string): void;
  webhookAccepted(provider: string): void;
  /** Order outcomes, recorded once per transition by the worker's activities. */
  orderStarted(store: string, region: string): void;
  orderInReview(store: string, region: string, reason: string): void;
  /** `paidToDeliveredMs` feeds the delivery latency histogram when the paid time is known. */
  orderDelivered(store: string, region: string, paidToDeliveredMs?: number): void;
  /** Ended without delivery: cancelled, refunded or not_paid. */
  orderFailed(store: string, region: string, state: string): void;
  /** Recovery sweep: orders it found before any webhook did, and the store's webhook health. */
  sweepRecovered(store: string, count: number): void;
  storefrontWebhook(store: string, status: string): void;
  /** Where the review backlog gauge reads from at scrape time (the API sets it from the database). */
  setReviewBacklogSource(source: ReviewBacklogSource): void;
}

export type ReviewBacklogSource = () => Promise<{
  rows: { store: string; reason: string; count: number }[];
  oldestSeconds: number;
}>;

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const supplierLatency = new Histogram({
    name: 'cardbridge_supplier_call_seconds',
    help: 'Supplier API call latency by operation and outcome',
    labelNames: ['operation', 'outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
    registers: [registry],
  });
  const balance = new Gauge({
    name: 'cardbridge_supplier_balance',
    help: 'Last seen supplier balance',
    registers: [registry],
  });
  const poolAvailable = new Gauge({
    name: 'cardbridge_pool_available',
    help: 'Codes available in the pool, per store and SKU, as of the last reservation or import',
    labelNames: ['store', 'sku'],
    registers: [registry],
  });
  const poolLow = new Counter({
    name: 'cardbridge_pool_low_stock_total',
    help: 'Reservations that left a pool under its low-stock threshold',
    labelNames: ['store', 'sku'],
    registers: [registry],
  });
  const reviews = new Counter({
    name: 'cardbridge_reviews_opened_total',
    help: 'Review cases opened',
    labelNames: ['store'],
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'cardbridge_webhook_rejections_total',
    help: 'Webhook deliveries rejected, by provider and reason',
    labelNames: ['provider', 'reason'],
    registers: [registry],
  });
  const accepted = new Counter({
    name: 'cardbridge_webhooks_accepted_total',
    help: 'Webhook deliveries accepted, by provider',
    labelNames: ['provider'],
    registers: [registry],
  });
  const recovered = new Counter({
    name: 'cardbridge_orders_recovered_by_sweep_total',
    help: 'Paid orders the recovery sweep found before any webhook did, by store',
    labelNames: ['store'],
    registers: [registry],
  });
  const webhookHealth = new Gauge({
    name: 'cardbridge_storefront_webhook_active',
    help: "1 when the store's webhook pointing at cardbridge is active; 0 when disabled, paused or missing",
    labelNames: ['store'],
    registers: [registry],
  });
  const supplierErrors = new Counter({
    name: 'cardbridge_supplier_errors_total',
    help: 'Supplier API calls that failed, by operation and error',
    labelNames: ['operation', 'error'],
    registers: [registry],
  });
  const ordersStarted = new Counter({
    name: 'cardbridge_orders_started_total',
    help: 'Paid orders that entered fulfillment, by store and region',
    labelNames: ['store', 'region'],
    registers: [registry],
  });
  const ordersDelivered = new Counter({
    name: 'cardbridge_orders_delivered_total',
    help: 'Orders delivered, by store and region',
    labelNames: ['store', 'region'],
    registers: [registry],
  });
  const ordersFailed = new Counter({
    name: 'cardbridge_orders_failed_total',
    help: 'Orders that ended without delivery (cancelled, refunded, not_paid), by store, region and state',
    labelNames: ['store', 'region', 'state'],
    registers: [registry],
  });
  const ordersInReview = new Counter({
    name: 'cardbridge_orders_in_review_total',
    help: 'Times an order was held for review, by store, region and reason',
    labelNames: ['store', 'region', 'reason'],
    registers: [registry],
  });
  const deliveryLatency = new Histogram({
    name: 'cardbridge_delivery_latency_seconds',
    help: 'Time from payment seen to delivered, by store and region',
    labelNames: ['store', 'region'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400],
    registers: [registry],
  });
  let backlogSource: ReviewBacklogSource | undefined;
  let backlogRead: ReturnType<ReviewBacklogSource> | undefined;
  // One database read per scrape feeds both backlog gauges.
  const readBacklog = () => (backlogRead ??= backlogSource!().finally(() => (backlogRead = undefined)));
  new Gauge({
    name: 'cardbridge_review_backlog',
    help: 'Open review cases by store and reason (read from the database at scrape time)',
    labelNames: ['store', 'reason'],
    registers: [registry],
    async collect() {
      this.reset();
      if (!backlogSource) return;
      for (const r of (await readBacklog()).rows) this.set({ store: r.store, reason: r.reason }, r.count);
    },
  });
  new Gauge({
    name: 'cardbridge_review_backlog_oldest_seconds',
    help: 'Age of the oldest open review case, 0 when there is none',
    registers: [registry],
    async collect() {
      this.set(backlogSource ? (await readBacklog()).oldestSeconds : 0);
    },
  });
  return {
    registry,
    sweepRecovered: (store, count) => recovered.inc({ store }, count),
    storefrontWebhook: (store, status) => webhookHealth.set({ store }, status === 'active' ? 1 : 0),
    supplierCall: (operation, outcome, ms) => {
      supplierLatency.observe({ operation, outcome }, ms / 1000);
      if (outcome !== 'ok') supplierErrors.inc({ operation, error: outcome });
    },
    orderStarted: (store, region) => ordersStarted.inc({ store, region }),
    orderInReview: (store, region, reason) => ordersInReview.inc({ store, region, reason }),
    orderDelivered: (store, region, ms) => {
      ordersDelivered.inc({ store, region });
      if (ms !== undefined && ms >= 0) deliveryLatency.observe({ store, region }, ms / 1000);
    },
    orderFailed: (store, region, state) => ordersFailed.inc({ store, region, state }),
    setReviewBacklogSource: (source) => {
      backlogSource = source;
    },
    supplierBalance: (amount) => balance.set(amount),
    poolStock: (store, sku, available, low) => {
      poolAvailable.set({ store, sku }, available);
      if (low) poolLow.inc({ store, sku });
    },
    reviewOpened: (store) => reviews.inc({ store }),
    webhookRejected: (provider, reason) => rejected.inc({ provider, reason }),
    webhookAccepted: (provider) => accepted.inc({ provider }),
  };
}
