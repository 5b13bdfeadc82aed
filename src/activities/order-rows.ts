// Reading an order's rows, and counting its outcome in the metrics: used by several kinds of
// activity.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Metrics } from '../observability/metrics';
import type { ActivityDeps } from './deps';

/** The order row with its lines; a workflow that asks before recording its order is a bug. */
export async function orderRow(db: ActivityDeps['db'], workflowId: string) {
  const order = await db.order.findUnique({ where: { workflowId }, include: { lines: true } });
  if (!order)
    throw ApplicationFailure.nonRetryable(`no order recorded for ${workflowId}`, 'OrderNotRecorded');
  return order;
}

/** Order-outcome metrics with the order's region(s); never fails the activity that calls it. */
export async function countOrder(
  deps: Pick<ActivityDeps, 'db' | 'metrics'>,
  storeId: string,
  skus: string[],
  record: (m: Metrics, region: string) => void,
): Promise<void> {
  const metrics = deps.metrics;
  if (!metrics) return;
  try {
    const rows = await deps.db.skuMapping.findMany({
      where: { storeId, sku: { in: skus }, active: true },
      select: { region: true },
    });
    record(metrics, [...new Set(rows.map((r) => r.region))].sort().join(',') || 'unknown');
  } catch (err) {
    log.warn('order metric not recorded', { storeId, error: (err as Error).message });
  }
}
