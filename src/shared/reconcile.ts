// Daily reconciliation: what crosses the boundary between the reconcileDay workflow, its
// activities, the Schedule and the ops command, and the matching itself (a pure function, so
// the workflow can run it and tests can call it directly).
import {
  fulfillmentWorkflowId,
  parseClientOrderId,
  type FulfillmentState,
  type SupplierOrderState,
} from './contract';
import { fromCents, toCents } from './eligibility';

export const RECONCILE_WORKFLOW_TYPE = 'reconcileDay';
/** The Schedule that runs reconcileDay every night (see src/ops/schedule.ts). */
export const RECONCILE_SCHEDULE_ID = 'reconcile-daily';

export interface ReconcileDayInput {
  /** UTC day to reconcile, YYYY-MM-DD. Unset (as the Schedule starts it): the day before the run. */
  date?: string;
}

/** One supplier order as the supplier lists it, without its codes (only how many). */
export interface SupplierOrderSummary {
  supplierOrderId: string;
  clientOrderId: string;
  state: SupplierOrderState;
  lines: { product: string; quantity: number; codes: number; failed: number }[];
  cost?: string;
  costCurrency?: string;
  updatedAt: string;
}

/** Our side of one order: the database row and, while it runs, the workflow's own status. */
export interface OurOrderView {
  workflowId: string;
  /** An `orders` row exists. */
  recorded: boolean;
  /** Temporal execution status of the latest run, lower case ('running', 'completed', ...), or 'none'. */
  execution: string;
  /** The workflow's state (status query, or the database status once closed). */
  state?: FulfillmentState | string;
  currency?: string;
  /** What the customer paid, decimal string. */
  total?: string;
  /** Units on code lines (what should be delivered). */
  units: number;
  /** Codes stored per supplier order id ('' = entered by hand). */
  codesBySupplierOrder: Record<string, number>;
  /** Cost the workflow accepted when it delivered (its reconcile.passed event), if any. */
  acceptedCost?: string;
  /** Client order ids of batches the running workflow still waits on. */
  pendingBatches: string[];
}

export type FindingKind =
  'missed_webhook' | 'late_delivery' | 'duplicate' | 'amount_mismatch' | 'unknown_order' | 'low_balance';

export interface Finding {
  kind: FindingKind;
  workflowId?: string;
  clientOrderId?: string;
  supplierOrderIds: string[];
  message: string;
  /** What reconciliation does about it. */
  action: 'deliver' | 'review_case' | 'report';
}

export interface ReconcileReport {
  date: string;
  supplierOrders: number;
  orders: number;
  matched: number;
  findings: Finding[];
  /** Workflows a supplier report was delivered to (missed webhooks). */
  delivered: string[];
  /** Review cases opened (or already open from an earlier run) for findings. */
  reviewCases: string[];
  balance?: { amount: string; currency: string; lowWater: string; low: boolean };
}

const TERMINAL: SupplierOrderState[] = ['delivered', 'partial', 'failed'];
const WAITING: string[] = ['ordering', 'awaiting_supplier'];

/** YYYY-MM-DD of the UTC day before `now`. */
export function previousUtcDay(now: number): string {
  return new Date(now - 86_400_000).toISOString().slice(0, 10);
}

export function isDay(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`));
}

/** The workflow id each supplier order belongs to (null: not an order of ours). */
export function workflowIdOf(clientOrderId: string): string | null {
  const parsed = parseClientOrderId(clientOrderId);
  return parsed ? fulfillmentWorkflowId(parsed.storeId, parsed.orderId) : null;
}

/**
 * Matches one day of supplier orders against ours. Each supplier order finds its order through
 * the client order id; then per client order id and per order:
 * - the supplier finished a batch our running workflow still waits on → deliver the report
 *   (missed webhook), or report it if the order already went to review (late delivery);
 * - more than one supplier order for one client order id, or more codes than the order has
 *   units → duplicate (review case);
 * - the supplier charged more than the customer paid, or something other than the cost the
 *   workflow accepted at delivery → amount mismatch (review case);
 * - a supplier order that is not ours, or ours but unknown here → unknown order (report).
 */
export function matchDay(
  supplierOrders: SupplierOrderSummary[],
  ours: Record<string, OurOrderView>,
): Omit<ReconcileReport, 'date' | 'delivered' | 'reviewCases' | 'balance'> {
  const findings: Finding[] = [];
  const byClient = new Map<string, SupplierOrderSummary[]>();
  for (const o of supplierOrders)
    byClient.set(o.clientOrderId, [...(byClient.get(o.clientOrderId) ?? []), o]);
  const byWorkflow = new Map<string, SupplierOrderSummary[]>();
  let matched = 0;

  for (const [clientOrderId, group] of byClient) {
    const workflowId = workflowIdOf(clientOrderId);
    const our = workflowId ? ours[workflowId] : undefined;
    const ids = group.map((o) => o.supplierOrderId);
    if (!workflowId || !our || (!our.recorded && our.execution === 'none')) {
      findings.push({
        kind: 'unknown_order',
        workflowId: workflowId ?? undefined,
        clientOrderId,
        supplierOrderIds: ids,
        message: workflowId
          ? `The supplier has ${ids.length} order(s) for ${clientOrderId}, but ${workflowId} is unknown here.`
          : `The supplier has ${ids.length} order(s) for ${clientOrderId}, which is not a cardbridge client order id.`,
        action: 'report',
      });
      continue;
    }
    matched += group.length;
    // The supplier order we took codes from is the real one; otherwise the first listed.
    const primary = group.find((o) => our.codesBySupplierOrder[o.supplierOrderId] !== undefined) ?? group[0]!;
    byWorkflow.set(workflowId, [...(byWorkflow.get(workflowId) ?? []), primary]);
    if (group.length > 1) {
      const extra = group.filter((o) => o !== primary);
      findings.push({
        kind: 'duplicate',
        workflowId,
        clientOrderId,
        supplierOrderIds: ids,
        message: `The supplier created ${group.length} orders for ${clientOrderId} (${ids.join(', ')}); ${extra
          .map((o) => `${o.supplierOrderId} (${o.cost ?? '?'} ${o.costCurrency ?? ''})`.trim())
          .join(
            ', ',
          )} ${extra.length === 1 ? 'is a duplicate' : 'are duplicates'}: ask the supplier to cancel or credit.`,
        action: 'review_case',
      });
    }
    if (
      TERMINAL.includes(primary.state) &&
      our.execution === 'running' &&
      our.pendingBatches.includes(clientOrderId)
    ) {
      const waiting = WAITING.includes(String(our.state));
      findings.push({
        kind: waiting ? 'missed_webhook' : 'late_delivery',
        workflowId,
        clientOrderId,
        supplierOrderIds: [primary.supplierOrderId],
        message: waiting
          ? `The supplier finished ${clientOrderId} (${primary.state}) but the order is still waiting for it; delivering the supplier's report.`
          : `The supplier finished ${clientOrderId} (${primary.state}) after the order went to ${our.state}; the report is delivered to the workflow, and the review must not retry (that would buy again).`,
        action: 'deliver',
      });
    }
  }

  for (const [workflowId, primaries] of byWorkflow) {
    const our = ours[workflowId]!;
    const issued = primaries.reduce((n, o) => n + o.lines.reduce((m, l) => m + l.codes, 0), 0);
    if (our.units > 0 && issued > our.units) {
      findings.push({
        kind: 'duplicate',
        workflowId,
        supplierOrderIds: primaries.map((o) => o.supplierOrderId),
        message: `The supplier issued ${issued} code(s) for ${workflowId}, which has ${our.units} unit(s).`,
        action: 'review_case',
      });
    }
    if (!our.currency || our.total === undefined) continue;
    const charged = primaries.filter((o) => cents(o.cost) !== undefined && o.costCurrency === our.currency);
    const paid = cents(our.total);
    if (!charged.length || paid === undefined) continue;
    const cost = charged.reduce((n, o) => n + cents(o.cost)!, 0);
    const ids = charged.map((o) => o.supplierOrderId);
    if (cost > paid) {
      findings.push({
        kind: 'amount_mismatch',
        workflowId,
        supplierOrderIds: ids,
        message: `The supplier charged ${fromCents(cost)} ${our.currency} for ${workflowId}, more than the customer paid (${fromCents(paid)}).`,
        action: 'review_case',
      });
    } else if (cents(our.acceptedCost) !== undefined && cents(our.acceptedCost) !== cost) {
      findings.push({
        kind: 'amount_mismatch',
        workflowId,
        supplierOrderIds: ids,
        message: `The supplier now lists ${fromCents(cost)} ${our.currency} for ${workflowId}; it reported ${our.acceptedCost} when the order was delivered.`,
        action: 'review_case',
      });
    }
  }

  return { supplierOrders: supplierOrders.length, orders: byWorkflow.size, matched, findings };
}

/** Cents of a decimal string; undefined when absent or not an amount (never throws in a workflow). */
function cents(amount: string | undefined): number | undefined {
  if (amount === undefined) return undefined;
  try {
    return toCents(amount);
  } catch {
    return undefined;
  }
}
