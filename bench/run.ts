// `npm run bench`: the figures of BENCHMARKS.md, each next to its baseline measured in the same
// repetition on the same Temporal server, against the real stack (every part its own process),
// on the embedded database and on PostgreSQL. Each figure is measured --repeat times (P4 once
// unless --p4-repeat): the table prints the median with the spread (min-max), the ratio of the
// medians and the 1-minute load average during the phase; a phase run while something else kept
// the CPU busy is flagged BUSY. Writes bench/results/latest.json and bench/results/latest.svg.
//
//   npm run bench                           # P1-P4 and counts, 3 repetitions, embedded + PostgreSQL
//   npm run bench -- --database embedded    # embedded | postgres | both
//   npm run bench -- --repeat 1 --scale 0.1 # a quick look: one repetition, P1 and P4 counts x0.1
//   npm run bench -- --p4-orders 10000      # the 10,000 parked orders (much longer)
//   npm run bench -- --p4-repeat 3          # P4 repeated too (once by default: it takes minutes)
//   npm run bench -- --only p2,p3           # some of the figures; --only counts: per-order counts
//   BENCH_DATABASE_URL=postgresql://... npm run bench   # this server for PostgreSQL, not the local one
//   npm run bench -- --topology production --scale 0.25 --p2-seconds 8
//       # P1 and P2 on the dev server, then on the production topology (the built Temporal server
//       # on PostgreSQL, 2 workers; scripts/install-temporal-server.sh), same run, side by side.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LOCAL_POSTGRES_URL, localPostgres } from '../scripts/lib/database';
import { benchOptions, type DatabaseChoice } from './lib/args';
import { renderChart } from './lib/chart';
import { COUNTS_STORE, counts } from './lib/counts';
import { loadAverages, machine, withLoadWatch } from './lib/machine';
import { log, p1, p2, p3, p4, phaseStores } from './lib/phases';
import { ROOT } from './lib/procs';
import { startStack, type BenchStack, type StackOptions } from './lib/stack';
import { medianRun } from './lib/stats';
import { countsDetail, resultsTable, topologyTable, type DatabaseResults, type Repeated } from './lib/table';

const o = benchOptions(process.argv.slice(2));
const m = machine();

/** The stack being measured, stopped on Ctrl-C. */
let current: BenchStack | undefined;
async function withStack<T>(opts: StackOptions, fn: (stack: BenchStack) => Promise<T>): Promise<T> {
  current = await startStack(opts);
  log(
    `stack up: Temporal ${current.temporalAddress}, database ${current.database.kind}, API ${current.apiUrl}`,
  );
  try {
    return await fn(current);
  } finally {
    await current.stop();
    current = undefined;
  }
}

/** The PostgreSQL databases of the current stack (their backends' CPU is the bench's own). */
const benchDatabases = () =>
  current?.database.kind === 'PostgreSQL'
    ? [new URL(current.database.url).pathname.slice(1), 'temporal_bench', 'temporal_bench_visibility']
    : [];

/** `times` repetitions of a phase, each with the machine's load around and during it. */
async function repeated<T>(
  name: string,
  times: number,
  fn: (rep: number) => Promise<T>,
): Promise<Repeated<T>> {
  const out: Repeated<T> = { runs: [], loads: [] };
  for (let rep = 0; rep < times; rep++) {
    const { result, load } = await withLoadWatch(() => fn(rep), benchDatabases());
    out.runs.push(result);
    out.loads.push(load);
    log(
      `${name} #${rep + 1}: load 1m ${load.load1mMin}-${load.load1mMax}; other runnable threads ` +
        `${load.otherRunnableBefore} before, ${load.otherRunnableDuring} during, on ${m.cores} cores` +
        (load.busy ? ': BUSY (something else used the CPU)' : ''),
    );
  }
  return out;
}

const apiEnv = { SUPPLIER_WEBHOOK_WAIT: '60m', SUPPLIER_MAX_WAIT: '2h', PAYMENT_WAIT: '2h' };

/** The PostgreSQL admin URL to make fresh databases on, or why PostgreSQL is skipped. */
async function postgresAdminUrl(): Promise<{ url: string } | { skipped: string }> {
  if (process.env.BENCH_DATABASE_URL) return { url: process.env.BENCH_DATABASE_URL };
  return localPostgres();
}

async function benchDatabase(choice: DatabaseChoice): Promise<DatabaseResults> {
  let databaseAdminUrl: string | undefined;
  if (choice === 'postgres') {
    const pg = await postgresAdminUrl();
    if ('skipped' in pg) {
      log(`PostgreSQL skipped: ${pg.skipped}`);
      return { database: 'PostgreSQL', skipped: pg.skipped };
    }
    databaseAdminUrl = pg.url;
  }
  const r: DatabaseResults = { database: choice === 'postgres' ? 'PostgreSQL' : 'embedded PGlite' };
  const figures = (['p1', 'p2', 'p3', 'p4'] as const).filter((p) => o.only.has(p));
  if (figures.length)
    await withStack(
      {
        stores: phaseStores(Math.max(o.repeat, o.p4Repeat)),
        databaseAdminUrl,
        apiEnv,
        workerEnv: o.workerEnv,
        compiledWorker: o.compiled,
      },
      async (s) => {
        if (o.only.has('p1')) r.p1 = await repeated('P1', o.repeat, (rep) => p1(s, o, rep));
        if (o.only.has('p2')) r.p2 = await repeated('P2', o.repeat, (rep) => p2(s, o, rep));
        if (o.only.has('p3')) r.p3 = await repeated('P3', o.repeat, (rep) => p3(s, o, rep));
        if (o.only.has('p4')) r.p4 = await repeated('P4', o.p4Repeat, (rep) => p4(s, o, rep));
      },
    );
  // Its own stack: the statement-counting relay sits between the API, the worker and the database.
  if (o.only.has('counts'))
    await withStack(
      { stores: [COUNTS_STORE], databaseAdminUrl, apiEnv, countStatements: true },
      async (s) => {
        r.counts = await repeated('counts', 1, () => counts(s, o));
      },
    );
  return r;
}

/** `--topology production`: P1 and P2 on the dev server, then on the production topology. */
async function compareTopologies() {
  const started = new Date();
  const pgUrl =
    process.env.BENCH_DATABASE_URL ?? process.env.PRODUCTION_TOPOLOGY_PG_URL ?? LOCAL_POSTGRES_URL;
  const results: Record<string, DatabaseResults> = {};
  for (const topology of ['dev', 'production'] as const) {
    const r: DatabaseResults = { database: 'PostgreSQL' };
    const opts: StackOptions = {
      stores: phaseStores(o.repeat),
      databaseAdminUrl: pgUrl,
      temporal: topology,
      temporalDbPrefix: 'temporal_bench',
      // 10 s, not 60 min: a supplier webhook lost on a busy machine is followed by a lookup
      // (as in production settings), so one lost webhook can't stall the comparison.
      apiEnv: { SUPPLIER_WEBHOOK_WAIT: '10s', SUPPLIER_MAX_WAIT: '2h', PAYMENT_WAIT: '2h' },
    };
    await withStack(opts, async (s) => {
      if (topology === 'production') await s.startWorker();
      if (o.only.has('p1')) r.p1 = await repeated(`P1 ${topology}`, o.repeat, (rep) => p1(s, o, rep));
      if (o.only.has('p2')) r.p2 = await repeated(`P2 ${topology}`, o.repeat, (rep) => p2(s, o, rep));
    });
    results[topology] = r;
  }
  const busy = Object.values(results).some((r) => [r.p1, r.p2].some((p) => p?.loads.some((l) => l.busy)));
  const out = {
    startedAt: started.toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    machine: m,
    database: 'PostgreSQL',
    scale: o.scale,
    repeat: o.repeat,
    busy,
    topologies: results,
  };
  writeResults('latest-topology.json', out);
  console.log(
    `\ncardbridge benchmark, dev server vs production topology, ${out.startedAt} (${out.minutes} min), ` +
      `${m.cores} cores, ${m.cpuModel}, Node ${m.node}, PostgreSQL, scale ${o.scale}, ${times(o.repeat)} each (median (min-max))\n`,
  );
  console.log(topologyTable(results.dev!, results.production!));
  console.log(`\n${busyLine(busy)}\nwritten: bench/results/latest-topology.json`);
}

const times = (n: number) => (n === 1 ? 'once' : `${n} times`);

const busyLine = (busy: boolean) =>
  busy
    ? 'machine was busy: figures are indicative (phases marked BUSY had other work competing for the CPU)'
    : 'machine was quiet: no phase had other work competing for the CPU';

function writeResults(file: string, data: unknown, svg?: string) {
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, file), `${JSON.stringify(data, null, 2)}\n`);
  if (svg) writeFileSync(path.join(dir, 'latest.svg'), svg);
}

/** The chart shows one database's median repetition of each figure. */
function chart(out: { startedAt: string }, r: DatabaseResults | undefined) {
  if (!r) return undefined;
  const byRatio = <T extends { ratio: number }>(p?: Repeated<T>) => p && medianRun(p.runs, (x) => x.ratio);
  return renderChart({
    startedAt: out.startedAt,
    machine: m,
    database: `${r.database}, median of ${o.repeat}`,
    p1: byRatio(r.p1),
    p2: byRatio(r.p2),
    p3: byRatio(r.p3),
    p4: r.p4 && medianRun(r.p4.runs, (x) => x.rssMiBParked.worker),
  });
}

async function main() {
  if (o.topology === 'production') return compareTopologies();
  const started = new Date();
  log(`machine: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}; load ${loadAverages().join(' ')}`);
  const databases: DatabaseResults[] = [];
  for (const choice of o.databases) databases.push(await benchDatabase(choice));
  const phases = databases.flatMap((d) => [d.p1, d.p2, d.p3, d.p4, d.counts]);
  const busy = phases.some((p) => p?.loads.some((l) => l.busy));
  const out = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    machine: m,
    options: { ...o, only: [...o.only] },
    busy,
    databases,
  };
  const svg = chart(
    out,
    databases.find((d) => !d.skipped && (d.p1 || d.p2 || d.p3 || d.p4)),
  );
  writeResults('latest.json', out, svg);
  console.log(
    `\ncardbridge benchmark, ${out.startedAt} (${out.minutes} min), ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}, ` +
      `Node ${m.node}, scale ${o.scale}; each figure measured ${times(o.repeat)}, median (min-max)` +
      (o.only.has('p4')
        ? `, P4 ${times(o.p4Repeat)} (parking thousands of orders takes minutes; --p4-repeat N)`
        : '') +
      `; load 1m: the 1-minute load average during the phase\n`,
  );
  console.log(resultsTable(databases));
  for (const d of databases) if (d.skipped) console.log(`\n${d.database} skipped: ${d.skipped}`);
  for (const d of databases) if (d.counts) console.log(`\n${countsDetail(d)}`);
  console.log(
    `\n${busyLine(busy)}\nwritten: bench/results/latest.json${svg ? ', bench/results/latest.svg' : ''}`,
  );
}

const interrupted = () =>
  void (current?.stop() ?? Promise.resolve()).then(
    () => process.exit(130),
    () => process.exit(130),
  );
process.once('SIGINT', interrupted);
process.once('SIGTERM', interrupted);

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
