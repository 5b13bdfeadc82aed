// The printed tables: every figure as the median of its repetitions with the spread (min-max),
// for cardbridge and its baseline, the ratio of the medians, and how loaded the machine was.
import type { Counts } from './counts';
import type { PhaseLoad } from './machine';
import type { P1, P2, P3, P4 } from './phases';
import { showSpread, spread } from './stats';

export interface Repeated<T> {
  runs: T[];
  loads: PhaseLoad[];
}

export interface DatabaseResults {
  database: string;
  skipped?: string;
  p1?: Repeated<P1>;
  p2?: Repeated<P2>;
  p3?: Repeated<P3>;
  p4?: Repeated<P4>;
  counts?: Repeated<Counts>;
}

const HEADER = [
  'figure',
  'database',
  'cardbridge',
  'baseline',
  'ratio',
  'target',
  'met',
  'runs',
  'load 1m',
  '',
];

function columns(rows: string[][]) {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** "0.8-2.4" (1-minute load over the phase's repetitions), and BUSY when any was flagged. */
function loadCells(loads: PhaseLoad[]): [string, string] {
  if (!loads.length) return ['', ''];
  const lo = Math.min(...loads.map((l) => l.load1mMin));
  const hi = Math.max(...loads.map((l) => l.load1mMax));
  return [`${lo.toFixed(1)}-${hi.toFixed(1)}`, loads.some((l) => l.busy) ? 'BUSY' : ''];
}

/** One figure: cardbridge and baseline per repetition, compared by the ratio of the medians. */
function figure<T>(
  name: string,
  db: string,
  r: Repeated<T>,
  f: {
    cb: (x: T) => number;
    base?: (x: T) => number;
    baseNote?: string;
    digits?: number;
    target?: string;
    met?: (ratio: number, cb: number) => boolean;
    ratio?: boolean;
  },
): string[] {
  const cb = spread(r.runs.map(f.cb));
  const base = f.base ? spread(r.runs.map(f.base)) : undefined;
  const ratio = base && f.ratio !== false ? cb.median / base.median : NaN;
  const met = f.met ? (f.met(ratio, cb.median) ? 'yes' : 'NO') : '';
  return [
    name,
    db,
    showSpread(cb, f.digits),
    base ? `${showSpread(base, f.digits)}${f.baseNote ? ` ${f.baseNote}` : ''}` : '',
    Number.isNaN(ratio) ? '' : ratio.toFixed(2),
    f.target ?? '',
    met,
    String(r.runs.length),
    ...loadCells(r.loads),
  ];
}

export function resultsTable(dbs: DatabaseResults[]): string {
  const rows: string[][] = [HEADER];
  const each = (pick: (d: DatabaseResults) => string[][] | undefined) => {
    for (const d of dbs) if (!d.skipped) rows.push(...(pick(d) ?? []));
  };
  each(
    (d) =>
      d.p1 && [
        figure('P1 fulfilled orders/s', d.database, d.p1, {
          cb: (x) => x.cardbridgePerSecond,
          base: (x) => x.baselinePerSecond,
          baseNote: '3-activity wf',
          target: '>= 0.5',
          met: (ratio) => ratio >= 0.5,
        }),
      ],
  );
  each(
    (d) =>
      d.p2 && [
        figure('P2 hook req/s', d.database, d.p2, {
          cb: (x) => x.cardbridge.rps,
          base: (x) => x.bare.rps,
          baseNote: 'bare Express',
          digits: 0,
          target: '>= 0.8',
          met: (ratio) => ratio >= 0.8,
        }),
        figure('P2 hook p99 ms', d.database, d.p2, {
          cb: (x) => x.cardbridge.p99,
          base: (x) => x.bare.p99,
          digits: 0,
          ratio: false,
        }),
      ],
  );
  each(
    (d) =>
      d.p3 && [
        figure('P3 hook p99 ms, supplier 2 s vs 0 s', d.database, d.p3, {
          cb: (x) => x.supplier2s.p99,
          base: (x) => x.supplier0s.p99,
          baseNote: 'supplier 0 s',
          digits: 0,
          target: '<= 1.1',
          met: (ratio) => ratio <= 1.1,
        }),
      ],
  );
  each(
    (d) =>
      d.p4 && [
        figure(`P4 worker RSS MiB, ${d.p4.runs[0]?.orders} parked`, d.database, d.p4, {
          cb: (x) => x.rssMiBParked.worker,
          base: (x) => x.rssMiBBefore.worker ?? NaN,
          baseNote: 'before',
          digits: 0,
          ratio: false,
          target: '<= 400',
          met: (_, cb) => cb <= 400,
        }),
        figure('P4 API RSS MiB', d.database, d.p4, {
          cb: (x) => x.rssMiBParked.api,
          base: (x) => x.rssMiBBefore.api ?? NaN,
          baseNote: 'before',
          digits: 0,
          ratio: false,
        }),
        figure('P4 drain orders/s', d.database, d.p4, { cb: (x) => x.drainPerSecond }),
      ],
  );
  // Counts: one run of a few orders; the spread is across those orders.
  each((d) => {
    const c = d.counts?.runs[0];
    if (!c) return undefined;
    const [load, busy] = loadCells(d.counts!.loads);
    const orders = `${c.orders.length} orders`;
    return [
      [
        'activity tasks per order',
        d.database,
        showSpread(c.activityTasks, 0),
        '',
        '',
        '',
        '',
        orders,
        load,
        busy,
      ],
      [
        'DB statements per order',
        d.database,
        showSpread(c.statements, 0),
        `${c.idle.statements.total} in ${c.idle.seconds} s idle`,
        '',
        '',
        '',
        orders,
        load,
        busy,
      ],
    ];
  });
  return columns(rows);
}

export function topologyTable(dev: DatabaseResults, prod: DatabaseResults): string {
  const f = (s: number[], d = 1) => showSpread(spread(s), d);
  const [d1, p1r, d2, p2r] = [
    dev.p1?.runs ?? [],
    prod.p1?.runs ?? [],
    dev.p2?.runs ?? [],
    prod.p2?.runs ?? [],
  ];
  const ratio = (runs: { ratio: number }[]) =>
    f(
      runs.map((r) => r.ratio),
      2,
    );
  return columns([
    ['figure', 'dev server (1 worker)', 'production topology (2 workers)'],
    [
      'P1 fulfilled orders/s',
      f(d1.map((r) => r.cardbridgePerSecond)),
      f(p1r.map((r) => r.cardbridgePerSecond)),
    ],
    [
      'P1 baseline 3-activity wf/s',
      f(d1.map((r) => r.baselinePerSecond)),
      f(p1r.map((r) => r.baselinePerSecond)),
    ],
    ['P1 ratio (target >= 0.5)', ratio(d1), ratio(p1r)],
    [
      'P2 hook req/s',
      f(
        d2.map((r) => r.cardbridge.rps),
        0,
      ),
      f(
        p2r.map((r) => r.cardbridge.rps),
        0,
      ),
    ],
    [
      'P2 bare Express req/s',
      f(
        d2.map((r) => r.bare.rps),
        0,
      ),
      f(
        p2r.map((r) => r.bare.rps),
        0,
      ),
    ],
    ['P2 ratio (target >= 0.8)', ratio(d2), ratio(p2r)],
    [
      'P2 hook p99 ms',
      f(
        d2.map((r) => r.cardbridge.p99),
        0,
      ),
      f(
        p2r.map((r) => r.cardbridge.p99),
        0,
      ),
    ],
  ]);
}

/** What the median order of the counts phase did: its activities and its statements by kind. */
export function countsDetail(d: DatabaseResults): string {
  const c = d.counts?.runs[0];
  const order =
    c &&
    [...c.orders].sort((a, b) => a.statements.total - b.statements.total)[
      Math.floor((c.orders.length - 1) / 2)
    ];
  if (!order) return '';
  const kinds = Object.entries(order.statements.byKind)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  return (
    `counts, ${d.database}, the median order (${order.workflowId}):\n` +
    `  ${order.activityTasks} activity tasks: ${order.activities.join(', ')}; ${order.localActivities} local activities; ${order.workflowTasks} workflow tasks\n` +
    `  ${order.statements.total} statements from the API and the worker: ${kinds}`
  );
}
