// What the exceptions page shows: orders held for review (from the database, enriched with the
// workflow's own `status` query), workflows that failed (from Temporal visibility), and counts
// per hour. Only masked codes ever leave this module.
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/client';
import { statusQuery, TERMINAL_STATES, WORKFLOW_TYPE, type LineState } from '../../shared/contract';

export interface ExceptionLine {
  lineNo: number;
  sku: string;
  quantity: number;
  delivered: number;
  state: LineState | string;
  region?: string;
  masked: string[];
}

export interface ExceptionRow {
  kind: 'review' | 'failed';
  workflowId: string;
  storeId: string;
  orderId: string;
  /** The workflow's state (status query), or the database status when the worker is not answering. */
  status: string;
  /** False when the status came from the database because the workflow did not answer in time. */
  live: boolean;
  regions: string[];
  lines: ExceptionLine[];
  reasonCode: string;
  reason: string;
  since: Date;
  /** Lines that still need codes: the default line for "mark delivered" codes. */
  missingLines: number[];
}

export interface HourCount {
  hour: string;
  pending: number;
  retrying: number;
  failed: number;
}

export interface ExceptionsView {
  rows: ExceptionRow[];
  hours: HourCount[];
  totals: { pending: number; retrying: number; failed: number; inReview: number };
}

export interface ExceptionsSource {
  db: Db;
  temporal: Client;
  /** How long to wait for one workflow's status query. */
  queryTimeoutMs?: number;
  limit?: number;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.catch(() => undefined),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function loadExceptions(src: ExceptionsSource): Promise<ExceptionsView> {
  const limit = src.limit ?? 100;
  const [reviewRows, failedRows, hours, inReview] = await Promise.all([
    reviewExceptions(src, limit),
    failedWorkflows(src, limit),
    countsPerHour(src.db),
    src.db.reviewCase.count({ where: { status: 'open' } }),
  ]);
  const rows = [...reviewRows, ...failedRows].sort((a, b) => a.since.getTime() - b.since.getTime());
  const totals = hours.reduce(
    (t, h) => ({
      pending: t.pending + h.pending,
      retrying: t.retrying + h.retrying,
      failed: t.failed + h.failed,
      inReview,
    }),
    { pending: 0, retrying: 0, failed: 0, inReview },
  );
  return { rows, hours, totals };
}

async function regionsBySku(db: Db, storeSkus: { storeId: string; sku: string }[]) {
  if (!storeSkus.length) return new Map<string, string>();
  const rows = await db.skuMapping.findMany({
    where: { active: true, OR: storeSkus.map((s) => ({ storeId: s.storeId, sku: s.sku })) },
    select: { storeId: true, sku: true, region: true },
  });
  return new Map(rows.map((r) => [`${r.storeId}/${r.sku}`, r.region]));
}

async function reviewExceptions(src: ExceptionsSource, limit: number): Promise<ExceptionRow[]> {
  const cases = await src.db.reviewCase.findMany({
    where: { status: 'open' },
    orderBy: { createdAt: 'asc' },
    take: limit,
    include: { order: { include: { lines: { orderBy: { lineNo: 'asc' } }, codes: true } } },
  });
  const unique = [...new Map(cases.map((c) => [c.workflowId, c])).values()];
  const regions = await regionsBySku(
    src.db,
    unique.flatMap((c) => c.order.lines.map((l) => ({ storeId: c.order.storeId, sku: l.sku }))),
  );
  return Promise.all(
    unique.map(async (c): Promise<ExceptionRow> => {
      const status = await withTimeout(
        src.temporal.workflow.getHandle(c.workflowId).query(statusQuery),
        src.queryTimeoutMs ?? 2_000,
      );
      const o = c.order;
      const lines: ExceptionLine[] = status
        ? status.lines.map((l) => ({
            lineNo: l.lineNo,
            sku: l.sku,
            quantity: l.quantity,
            delivered: l.delivered,
            state: l.state,
            region: l.region ?? regions.get(`${o.storeId}/${l.sku}`),
            masked: l.masked,
          }))
        : dbLines(o, regions);
      return {
        kind: 'review',
        workflowId: c.workflowId,
        storeId: o.storeId,
        orderId: o.externalOrderId,
        status: status?.state ?? o.status,
        live: status !== undefined,
        regions: [...new Set(lines.map((l) => l.region).filter((r): r is string => !!r))].sort(),
        lines,
        reasonCode: c.reasonCode,
        reason: c.reason,
        since: c.createdAt,
        missingLines: missingLines(lines),
      };
    }),
  );
}

/** Lines as the database records them (when the workflow's own status is not available). */
function dbLines(
  o: {
    storeId: string;
    lines: {
      lineNo: number;
      sku: string;
      quantity: number;
      delivered: number;
      status: string;
      region: string | null;
    }[];
    codes: { lineNo: number; masked: string }[];
  },
  regions: Map<string, string>,
): ExceptionLine[] {
  return o.lines.map((l) => ({
    lineNo: l.lineNo,
    sku: l.sku,
    quantity: l.quantity,
    delivered: l.delivered,
    state: l.status,
    region: l.region ?? regions.get(`${o.storeId}/${l.sku}`),
    masked: o.codes.filter((k) => k.lineNo === l.lineNo).map((k) => k.masked),
  }));
}

function missingLines(lines: ExceptionLine[]): number[] {
  return lines.filter((l) => l.state !== 'ignored' && l.delivered < l.quantity).map((l) => l.lineNo);
}

/** Failed or timed-out fulfillment workflows whose latest run is that failure. */
async function failedWorkflows(src: ExceptionsSource, limit: number): Promise<ExceptionRow[]> {
  const found: { workflowId: string; runId: string; closeTime?: Date; startTime: Date; status: string }[] =
    [];
  const query = `WorkflowType = '${WORKFLOW_TYPE}' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'TimedOut')`;
  for await (const wf of src.temporal.workflow.list({ query })) {
    found.push({
      workflowId: wf.workflowId,
      runId: wf.runId,
      closeTime: wf.closeTime,
      startTime: wf.startTime,
      status: wf.status.name,
    });
    if (found.length >= limit) break;
  }
  if (!found.length) return [];
  const orders = await src.db.order.findMany({
    where: { workflowId: { in: found.map((f) => f.workflowId) } },
    include: { lines: { orderBy: { lineNo: 'asc' } }, codes: true },
  });
  const byId = new Map(orders.map((o) => [o.workflowId, o]));
  const regions = await regionsBySku(
    src.db,
    orders.flatMap((o) => o.lines.map((l) => ({ storeId: o.storeId, sku: l.sku }))),
  );
  const rows = await Promise.all(
    found.map(async (f): Promise<ExceptionRow | undefined> => {
      const handle = src.temporal.workflow.getHandle(f.workflowId);
      const latest = await handle.describe().catch(() => undefined);
      if (latest && latest.runId !== f.runId) return undefined; // replayed or reset since
      const failure = await src.temporal.workflow
        .getHandle(f.workflowId, f.runId)
        .result()
        .then(
          () => undefined,
          (err: unknown) => err as Error,
        );
      const o = byId.get(f.workflowId);
      const [, storeId = '?', orderId = '?'] = /^fulfill:([^:]+):(.+)$/.exec(f.workflowId) ?? [];
      const lines: ExceptionLine[] = o ? dbLines(o, regions) : [];
      return {
        kind: 'failed',
        workflowId: f.workflowId,
        storeId: o?.storeId ?? storeId,
        orderId: o?.externalOrderId ?? orderId,
        status: f.status === 'TIMED_OUT' ? 'timed_out' : 'failed',
        live: true,
        regions: [...new Set(lines.map((l) => l.region).filter((r): r is string => !!r))].sort(),
        lines,
        reasonCode: f.status === 'TIMED_OUT' ? 'WORKFLOW_TIMED_OUT' : 'WORKFLOW_FAILED',
        reason: failure ? rootMessage(failure) : 'The workflow failed.',
        since: f.closeTime ?? f.startTime,
        missingLines: missingLines(lines),
      };
    }),
  );
  return rows.filter((r): r is ExceptionRow => r !== undefined);
}

/** The innermost cause's message: "unknown store x" rather than "Activity task failed". */
function rootMessage(err: Error): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  return e instanceof Error ? e.message : String(e);
}

const TERMINAL_SQL = TERMINAL_STATES.map((s) => `'${s}'`).join(', ');

/**
 * The last 24 hours, per UTC hour: pending = orders paid in that hour and not finished yet;
 * retrying = "retry" review decisions taken in that hour; failed = orders held for a person
 * (review cases opened) in that hour. Hours with nothing are left out.
 */
export async function countsPerHour(db: Db): Promise<HourCount[]> {
  const hourOf = (col: string) => `to_char(date_trunc('hour', ${col}), 'YYYY-MM-DD"T"HH24:00"Z"')`;
  // Timestamps are stored as UTC without a zone; compare against UTC "now" in SQL, never a JS Date.
  const window = (col: string) =>
    `${col} >= (now() AT TIME ZONE 'UTC') - interval '24 hours' AND ${col} IS NOT NULL`;
  const [pending, retrying, failed] = await Promise.all([
    db.$queryRawUnsafe<{ hour: string; n: number }[]>(
      `SELECT ${hourOf('paid_at')} AS hour, count(*)::int AS n FROM orders
       WHERE ${window('paid_at')} AND status NOT IN (${TERMINAL_SQL}) GROUP BY 1`,
    ),
    db.$queryRawUnsafe<{ hour: string; n: number }[]>(
      `SELECT ${hourOf('decided_at')} AS hour, count(*)::int AS n FROM review_cases
       WHERE ${window('decided_at')} AND decision = 'retry' GROUP BY 1`,
    ),
    db.$queryRawUnsafe<{ hour: string; n: number }[]>(
      `SELECT ${hourOf('created_at')} AS hour, count(*)::int AS n FROM review_cases
       WHERE ${window('created_at')} GROUP BY 1`,
    ),
  ]);
  const hours = new Map<string, HourCount>();
  const at = (hour: string) => {
    let h = hours.get(hour);
    if (!h) hours.set(hour, (h = { hour, pending: 0, retrying: 0, failed: 0 }));
    return h;
  };
  for (const r of pending) at(r.hour).pending += Number(r.n);
  for (const r of retrying) at(r.hour).retrying += Number(r.n);
  for (const r of failed) at(r.hour).failed += Number(r.n);
  return [...hours.values()].sort((a, b) => b.hour.localeCompare(a.hour));
}

/** Open review cases per store and reason, and the age of the oldest: the backlog gauge. */
export async function reviewBacklog(
  db: Db,
): Promise<{ rows: { store: string; reason: string; count: number }[]; oldestSeconds: number }> {
  const rows = await db.$queryRawUnsafe<{ store: string; reason: string; n: number; oldest: number }[]>(
    `SELECT o.store_id AS store, r.reason_code AS reason, count(*)::int AS n,
            extract(epoch FROM ((now() AT TIME ZONE 'UTC') - min(r.created_at)))::float8 AS oldest
     FROM review_cases r JOIN orders o ON o.id = r.order_id
     WHERE r.status = 'open' GROUP BY 1, 2`,
  );
  return {
    rows: rows.map((r) => ({ store: r.store, reason: r.reason, count: Number(r.n) })),
    oldestSeconds: rows.reduce((m, r) => Math.max(m, Number(r.oldest)), 0),
  };
}
