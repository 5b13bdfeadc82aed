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
}
