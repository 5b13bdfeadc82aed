// The documented visibility queries (docs/runbook.md, "Search attributes in use"), built in one
// place so the ops command, the runbook and the tests agree. Paste any of them into the Web UI's
// Workflows filter or `temporal workflow list --query`.
import { WORKFLOW_TYPE } from '../shared/contract';

const quote = (v: string) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export interface OrderFilter {
  store?: string;
  region?: string;
  sku?: string;
  reason?: string;
}

function filters(f: OrderFilter): string[] {
  const out: string[] = [];
  if (f.store) out.push(`CardbridgeStore = ${quote(f.store)}`);
  if (f.region) out.push(`CardbridgeRegion = ${quote(f.region)}`);
  if (f.sku) out.push(`CardbridgeSkus = ${quote(f.sku)}`);
  if (f.reason) out.push(`CardbridgeReason = ${quote(f.reason)}`);
  return out;
}

const running = [`WorkflowType = ${quote(WORKFLOW_TYPE)}`, `ExecutionStatus = 'Running'`];

/** Every order waiting for a person's decision. */
export function inReviewQuery(f: OrderFilter = {}): string {
  return [...running, `CardbridgeStatus = 'in_review'`, ...filters(f)].join(' AND ');
}

/** Every order whose current wait (webhook, payment, supplier) ended before `now` yet is still waiting. */
export function pastDeadlineQuery(now: Date, f: OrderFilter = {}): string {
  return [
    ...running,
    `CardbridgeStatus != 'in_review'`,
    `CardbridgeDeadline < ${quote(now.toISOString())}`,
    ...filters(f),
  ].join(' AND ');
}

/** Stuck: in review, or waiting past its deadline. */
export function stuckQuery(now: Date, f: OrderFilter = {}): string {
  return [
    ...running,
    `(CardbridgeStatus = 'in_review' OR CardbridgeDeadline < ${quote(now.toISOString())})`,
    ...filters(f),
  ].join(' AND ');
}

/** Fulfilment workflows that failed or timed out, closed after `since` (the alert scan). */
export function failedSinceQuery(since: Date): string {
  return [
    `WorkflowType = ${quote(WORKFLOW_TYPE)}`,
    `(ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut')`,
    `CloseTime > ${quote(since.toISOString())}`,
  ].join(' AND ');
}
