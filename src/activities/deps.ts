// What every activity is built from: injected, so tests swap any of them for a fake.
import type { CodeVault } from '../codes/vault';
import type { Db } from '../db/client';
import type { Notifier } from '../notify/notifier';
import type { Metrics } from '../observability/metrics';
import type { Storefronts } from '../storefront/storefront';
import type { SupplierClient, SupplierRegistry } from '../suppliers/supplier';
import type { AlertDeps } from './alerts';
import type { SweepDeps } from './sweep';

export interface ActivityDeps {
  db: Db;
  /** The default (first) supplier. */
  supplier: SupplierClient;
  /** Every supplier by name (default: only `supplier`). */
  suppliers?: SupplierRegistry;
  /** A storefront SKU's pool under this many available codes raises the low-stock alert (default 10). */
  poolLowStock?: number;
  vault: CodeVault;
  notifier: Notifier;
  storefronts: Storefronts;
  metrics?: Metrics;
  /** Supplier balance under this (decimal string) raises an alert. */
  lowBalance: string;
  /** Alerts for a person: channels, links, thresholds (default: recorded and logged only). */
  alerts?: AlertDeps;
  /** The recovery sweep: stores' REST clients and where orders it finds start. */
  sweep?: Pick<SweepDeps, 'wooCommerce' | 'pocketsflow' | 'intake'> &
    Partial<Pick<SweepDeps, 'overlapMs' | 'firstLookbackMs'>>;
}
