import type { Config } from '../../config';
import type { Metrics } from '../../observability/metrics';
import type { Gateway } from '../gateway';
import type { Receipts } from '../receipts';

export interface HookDeps {
  gateway: Gateway;
  receipts: Receipts;
  metrics?: Metrics;
  bodyLimit: string;
  toleranceMs: number;
  storeSecrets(storeId: string): Config['storeSecrets'][string] | undefined;
  supplierSecrets: readonly string[];
  workflowId(storeId: string, orderId: string): string;
  /** Requests per window per (provider, store, client IP). */
  rateLimit: { max: number; windowMs: number };
  /** Pay'nUp IPN verification: the API id (`iss`) and every active API key. */
  paynup: { apiId: string; apiKeys: readonly string[] };
}
