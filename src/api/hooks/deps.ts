import type { StoreSecretEntry } from '../../config';
import type { Metrics } from '../../observability/metrics';
import type { Gateway } from '../gateway';
import type { LatePayments } from '../late-payments';
import type { Receipts } from '../receipts';

export interface HookDeps {
  gateway: Gateway;
  receipts: Receipts;
  /** Payments no workflow can take any more: recorded as review cases. */
  latePayments: LatePayments;
  metrics?: Metrics;
  bodyLimit: string;
  toleranceMs: number;
  /** The store's webhook secrets (env + database, short-TTL cache); undefined: unknown or disabled. */
  storeSecrets(storeId: string): Promise<StoreSecretEntry | undefined>;
  /** The store's settings JSON (stores.settings), or undefined when it has no row. */
  storeSettings(storeId: string): Promise<unknown>;
  supplierSecrets: readonly string[];
  /** X-Event-Secret values the Kinguin-style supplier's webhooks may carry (rotation: several). */
  kinguinSecrets: readonly string[];
  workflowId(storeId: string, orderId: string): string;
  /** Requests per window per (provider, store, client IP), genuine and junk counted apart. */
  rateLimit: { max: number; windowMs: number };
  /** Pay'nUp IPN verification for a store: the API id (`iss`) and every active API key. */
  paynup(storeId: string): Promise<{ apiId: string; apiKeys: readonly string[] } | undefined>;
}
