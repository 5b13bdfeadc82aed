// Prometheus metrics (prom-client). One registry per process, passed down.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  supplierCall(operation: string, outcome: string, ms: number): void;
  supplierBalance(amount: number): void;
  reviewOpened(storeId: string): void;
  webhookRejected(provider: string, reason: string): void;
  webhookAccepted(provider: string): void;
}

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
  return {
    registry,
    supplierCall: (operation, outcome, ms) => supplierLatency.observe({ operation, outcome }, ms / 1000),
    supplierBalance: (amount) => balance.set(amount),
    reviewOpened: (store) => reviews.inc({ store }),
    webhookRejected: (provider, reason) => rejected.inc({ provider, reason }),
    webhookAccepted: (provider) => accepted.inc({ provider }),
  };
}
