// What the dashboard shows, read from the database in three parameterised queries. One cohort
// throughout: the orders received (paid; or, for a payment whose order never came, recorded) in
// the window, each counted once by its current status. Skipped orders (nothing for us to
// deliver) are left out. Hours are UTC; timestamps are stored as UTC without a zone.
import type { Db } from '../../db/client';
import { PLACEHOLDER_ORDER_STATUS } from '../../shared/contract';
import { Prisma } from '../../generated/prisma/client';

export const WINDOWS = { '6h': 6, '24h': 24, '7d': 168 } as const;
export type WindowName = keyof typeof WINDOWS;
export const DEFAULT_WINDOW: WindowName = '24h';

/** Statuses per outcome; anything else not skipped is still in progress (pending). */
const FAILED = ['refunded', 'cancelled', 'not_paid'];
const IN_REVIEW = ['in_review', PLACEHOLDER_ORDER_STATUS];
const LEFT_OUT = 'skipped';

export const OUTCOMES = ['delivered', 'pending', 'inReview', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type Outcomes = Record<Outcome, number>;

export interface StoreSummary extends Outcomes {
  /** The store, or null for all the stores shown. */
  store: string | null;
  received: number;
  receivedLastHour: number;
  ordersPerMinute: number;
  lastHourPerMinute: number;
  /** delivered / (delivered + failed); null while nothing has finished. */
  successRatio: number | null;
  /** Paid → delivered, over the delivered orders of the cohort; null without any. */
  medianDeliverySeconds: number | null;
  p90DeliverySeconds: number | null;
}

export interface HourBucket extends Outcomes {
  /** `YYYY-MM-DDTHH:00Z`, the start of the hour. */
  hour: string;
  /** Review decisions "retry" taken in this hour. */
  retries: number;
}

export interface HourStoreRow extends HourBucket {
  store: string;
}

export interface Dashboard {
  window: WindowName;
  store: string | null;
  now: Date;
  from: Date;
  to: Date;
  total: StoreSummary;
  stores: StoreSummary[];
  /** Every hour of the window, oldest first, zeros included (the chart's bars). */
  buckets: HourBucket[];
  /** Hours × stores with anything in them, newest first (the table behind the chart). */
  rows: HourStoreRow[];
}

const HOUR_MS = 3_600_000;
/** The hour key SQL and JS agree on. */
export const hourKey = (d: Date) => `${d.toISOString().slice(0, 13)}:00Z`;
/** A UTC instant as a `timestamp without time zone` literal, passed as a parameter. */
const ts = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

const HOUR_SQL = Prisma.sql`to_char(date_trunc('hour', received_at), 'YYYY-MM-DD"T"HH24:00"Z"')`;

function cohort(from: Date, to: Date, store: string | null): Prisma.Sql {
  return Prisma.sql`(
    SELECT store_id, status, paid_at, delivered_at,
      coalesce(paid_at, created_at) AS received_at,
      CASE
        WHEN status = 'delivered' THEN 'delivered'
        WHEN status IN (${Prisma.join(FAILED)}) THEN 'failed'
        WHEN status IN (${Prisma.join(IN_REVIEW)}) THEN 'inReview'
        ELSE 'pending'
      END AS outcome
    FROM orders
    WHERE coalesce(paid_at, created_at) >= ${ts(from)}::timestamp
      AND coalesce(paid_at, created_at) < ${ts(to)}::timestamp
      AND status <> ${LEFT_OUT}
      ${store === null ? Prisma.empty : Prisma.sql`AND store_id = ${store}`}
  ) o`;
}

interface SummaryRow {
  store: string | null;
  all_stores: number;
  received: number;
  last_hour: number;
  delivered: number;
  pending: number;
  in_review: number;
  failed: number;
  median_s: number | null;
  p90_s: number | null;
}

export async function loadDashboard(
  db: Db,
  opts: { window: WindowName; store: string | null; now?: Date },
): Promise<Dashboard> {
  const now = opts.now ?? new Date();
  const hours = WINDOWS[opts.window];
  const thisHour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  const from = new Date(thisHour - (hours - 1) * HOUR_MS);
  const to = new Date(thisHour + HOUR_MS);
  const lastHour = new Date(now.getTime() - HOUR_MS);
  const src = cohort(from, to, opts.store);
  const delivery = Prisma.sql`extract(epoch FROM (delivered_at - paid_at))::float8`;
  const timed = Prisma.sql`outcome = 'delivered' AND paid_at IS NOT NULL AND delivered_at IS NOT NULL`;

  const [summary, perHour, retries] = await Promise.all([
    db.$queryRaw<SummaryRow[]>`
      SELECT store_id AS store, GROUPING(store_id)::int AS all_stores,
        count(*)::int AS received,
        count(*) FILTER (WHERE received_at >= ${ts(lastHour)}::timestamp)::int AS last_hour,
        count(*) FILTER (WHERE outcome = 'delivered')::int AS delivered,
        count(*) FILTER (WHERE outcome = 'pending')::int AS pending,
        count(*) FILTER (WHERE outcome = 'inReview')::int AS in_review,
        count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ${delivery}) FILTER (WHERE ${timed}) AS median_s,
        percentile_cont(0.9) WITHIN GROUP (ORDER BY ${delivery}) FILTER (WHERE ${timed}) AS p90_s
      FROM ${src}
      GROUP BY GROUPING SETS ((store_id), ())`,
    db.$queryRaw<{ hour: string; store: string; outcome: Outcome; n: number }[]>`
      SELECT ${HOUR_SQL} AS hour, store_id AS store, outcome, count(*)::int AS n
      FROM ${src} GROUP BY 1, 2, 3`,
    db.$queryRaw<{ hour: string; store: string; n: number }[]>`
      SELECT to_char(date_trunc('hour', r.decided_at), 'YYYY-MM-DD"T"HH24:00"Z"') AS hour,
        o.store_id AS store, count(*)::int AS n
      FROM review_cases r JOIN orders o ON o.id = r.order_id
      WHERE r.decision = 'retry'
        AND r.decided_at >= ${ts(from)}::timestamp AND r.decided_at < ${ts(to)}::timestamp
        ${opts.store === null ? Prisma.empty : Prisma.sql`AND o.store_id = ${opts.store}`}
      GROUP BY 1, 2`,
  ]);

  // Timestamps have millisecond precision; so does an interpolated percentile.
  const seconds = (v: number | null | undefined) => (v == null ? null : Math.round(Number(v) * 1000) / 1000);
  const minutes = Math.max(1, (now.getTime() - from.getTime()) / 60_000);
  const toSummary = (r: SummaryRow | undefined, store: string | null): StoreSummary => {
    const n = (v: number | null | undefined) => Number(v ?? 0);
    const delivered = n(r?.delivered);
    const failed = n(r?.failed);
    return {
      store,
      received: n(r?.received),
      receivedLastHour: n(r?.last_hour),
      ordersPerMinute: n(r?.received) / minutes,
      lastHourPerMinute: n(r?.last_hour) / 60,
      delivered,
      pending: n(r?.pending),
      inReview: n(r?.in_review),
      failed,
      successRatio: delivered + failed ? delivered / (delivered + failed) : null,
      medianDeliverySeconds: seconds(r?.median_s),
      p90DeliverySeconds: seconds(r?.p90_s),
    };
  };
  const total = toSummary(
    summary.find((r) => Number(r.all_stores) === 1),
    opts.store,
  );
  const stores = summary
    .filter((r) => Number(r.all_stores) === 0 && r.store !== null)
    .map((r) => toSummary(r, r.store))
    .sort((a, b) => b.received - a.received || a.store!.localeCompare(b.store!));

  const empty = (): Outcomes & { retries: number } => ({
    delivered: 0,
    pending: 0,
    inReview: 0,
    failed: 0,
    retries: 0,
  });
  const buckets: HourBucket[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += HOUR_MS)
    buckets.push({ hour: hourKey(new Date(t)), ...empty() });
  const byHour = new Map(buckets.map((b) => [b.hour, b]));
  const cells = new Map<string, HourStoreRow>();
  const cell = (hour: string, store: string) => {
    const key = `${hour} ${store}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { hour, store, ...empty() }));
    return c;
  };
  for (const r of perHour) {
    const k = r.outcome;
    if (!OUTCOMES.includes(k)) continue;
    cell(r.hour, r.store)[k] += Number(r.n);
    const b = byHour.get(r.hour);
    if (b) b[k] += Number(r.n);
  }
  for (const r of retries) {
    cell(r.hour, r.store).retries += Number(r.n);
    const b = byHour.get(r.hour);
    if (b) b.retries += Number(r.n);
  }
  const rows = [...cells.values()].sort(
    (a, b) => b.hour.localeCompare(a.hour) || a.store.localeCompare(b.store),
  );
  return { window: opts.window, store: opts.store, now, from, to, total, stores, buckets, rows };
}
