// Reading an order's rows, and counting its outcome in the metrics: used by several kinds of
// activity.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { Db } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
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

/** One fulfillment event row as the workflow describes it (its dedupe key makes a retry harmless). */
export interface EventRow {
  type: string;
  status: string;
  lineNo?: number;
  details: Record<string, unknown>;
  dedupeKey: string;
}

/**
 * Writes event rows for an order, in the order given: one order lookup for all of them. Events
 * before the order is recorded have nowhere to go (the workflow history has them).
 */
export async function writeEvents(db: Db, workflowId: string, events: EventRow[]): Promise<void> {
  if (!events.length) return;
  const order = await db.order.findUnique({ where: { workflowId } });
  if (!order) return;
  const rows: Prisma.FulfillmentEventCreateManyInput[] = [];
  for (const e of events) {
    const line =
      e.lineNo === undefined
        ? undefined
        : await db.orderLine.findUnique({
            where: { orderId_lineNo: { orderId: order.id, lineNo: e.lineNo } },
          });
    const mapping = line
      ? await db.skuMapping.findFirst({ where: { storeId: order.storeId, sku: line.sku, active: true } })
      : null;
    rows.push({
      orderId: order.id,
      lineNo: e.lineNo ?? null,
      type: e.type,
      status: e.status,
      details: e.details as Prisma.InputJsonValue,
      channel: order.channel,
      region: line?.region ?? order.region,
      skuGroup: mapping?.skuGroup ?? null,
      paymentMethod: order.paymentMethod,
      dedupeKey: e.dedupeKey,
    });
  }
  await db.fulfillmentEvent.createMany({ data: rows, skipDuplicates: true });
}
