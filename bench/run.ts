// `npm run bench`: the four figures of BENCHMARKS.md, each next to its baseline measured in the
// same run on the same Temporal server, against the real stack (every part its own process).
// Prints a table and writes bench/results/latest.json and bench/results/latest.svg.
//
//   npm run bench                       # default run, about 15 minutes on 2 cores (P4 parks 1,000)
//   npm run bench -- --p4-orders 10000  # the 10,000 parked orders (much longer)
//   npm run bench -- --scale 0.1        # P1 and P4 order counts x0.1 (a quick look)
//   npm run bench -- --only p2,p3       # some of the figures
//   BENCH_DATABASE_URL=postgresql://... npm run bench   # PostgreSQL instead of embedded PGlite
//   npm run bench -- --topology production --scale 0.25 --p2-seconds 8
//       # P1 and P2 on the dev server, then on the production topology (the built Temporal server
//       # on PostgreSQL, 2 workers; scripts/install-temporal-server.sh), same run, side by side.
//       # PostgreSQL for both: BENCH_DATABASE_URL, else the local cardbridge role's server.
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { renderChart } from './lib/chart';
import { load, wooRequest } from './lib/load';
import { ROOT, freePort, rssMiB, spawnNode, waitUntil } from './lib/procs';
import { startStack, wooSecret, type BenchStack } from './lib/stack';

const { values: args } = parseArgs({
  options: {
    scale: { type: 'string' },
    topology: { type: 'string' },
    only: { type: 'string' },
    'p2-seconds': { type: 'string' },
    'p3-seconds': { type: 'string' },
    'p3-rate': { type: 'string' },
    'p4-orders': { type: 'string' },
  },
});
const arg = (name: keyof typeof args) => args[name];
const SCALE = Number(arg('scale') ?? 1);
const TOPOLOGY = arg('topology') ?? 'dev';
if (!['dev', 'production'].includes(TOPOLOGY)) throw new Error('--topology dev | production');
const ONLY = new Set((arg('only') ?? 'p1,p2,p3,p4').split(','));
const P1_ORDERS = Math.max(20, Math.round(200 * SCALE));
const P2_SECONDS = Number(arg('p2-seconds') ?? 20);
const P3_SECONDS = Number(arg('p3-seconds') ?? 30);
const P3_RATE = Number(arg('p3-rate') ?? 3);
// The target is 10,000 parked orders (--p4-orders 10000); on a 2-core machine parking and
// draining them takes far longer than the ~15 minutes a default run aims at (see BENCHMARKS.md).
const P4_ORDERS = Math.max(50, Math.round(Number(arg('p4-orders') ?? 1_000) * SCALE));

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load1 = () => loadavg().map((n) => Number(n.toFixed(2)));

function machine() {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    temporalCli: (/v\d+\.\d+\.\d+/.exec(
      readFileSync(path.join(ROOT, 'scripts/install-temporal.sh'), 'utf8'),
    ) ?? ['?'])[0],
  };
}

/** Waits until `count()` reaches n; returns the seconds from `since` to that moment. */
async function waitCount(
  what: string,
  n: number,
  count: () => Promise<number>,
  since: number,
  timeoutMs: number,
) {
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const c = await count();
    if (c >= n) return (Date.now() - since) / 1000;
    if (c !== last) {
      last = c;
      lastChange = Date.now();
    }
    if (Date.now() - since > timeoutMs || Date.now() - lastChange > 120_000)
      throw new Error(`${what}: ${c} of ${n} after ${((Date.now() - since) / 1000).toFixed(0)} s`);
    await sleep(200);
  }
}

async function p1(stack: BenchStack) {
  log(`P1: ${P1_ORDERS} baseline workflows, then ${P1_ORDERS} orders end to end`);
  const queue = `${stack.taskQueue}-baseline`;
  const worker = spawnNode('baseline-worker', 'bench/baseline-worker.ts', {
    PATH: process.env.PATH ?? '',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    BASELINE_TASK_QUEUE: queue,
  });
  await waitUntil('the baseline worker', async () => worker.output().includes('READY'), { proc: worker });
  const client = new Client({ connection: stack.client.connection });
  const runBaseline = async (n: number, prefix: string) => {
    const t0 = Date.now();
    const handles: { result(): Promise<unknown> }[] = [];
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const starter = async () => {
      for (let id = ids.shift(); id; id = ids.shift())
        handles.push(
          await client.workflow.start('threeActivities', { workflowId: id, taskQueue: queue, args: [id] }),
        );
    };
    await Promise.all(Array.from({ length: 16 }, starter));
    await Promise.all(handles.map((h) => h.result()));
    return (Date.now() - t0) / 1000;
  };
  await runBaseline(50, 'warmup'); // bundle loaded, connections open
  const baselineS = await runBaseline(P1_ORDERS, 'baseline');
  await worker.stop('SIGTERM');

  await stack.sandboxRule('cb_p1_', { latencyMs: 0, fulfilDelayMs: 0 });
  let next = 1_000_000;
  await load({ baseUrl: stack.apiUrl, next: () => wooRequest('p1w', next++), amount: 30, connections: 4 });
  await waitCount(
    'P1 warm-up',
    30,
    async () => (await stack.statusCounts('p1w')).delivered ?? 0,
    Date.now(),
    120_000,
  );
  const t0 = Date.now();
  next = 1_000_000;
  const sent = await load({
    baseUrl: stack.apiUrl,
    next: () => wooRequest('p1', next++),
    amount: P1_ORDERS,
    connections: 16,
  });
  const cardbridgeS = await waitCount(
    'P1 delivered',
    P1_ORDERS,
    async () => (await stack.statusCounts('p1')).delivered ?? 0,
    t0,
    30 * 60_000,
  );
  const counts = await stack.statusCounts('p1');
  const result = {
    orders: P1_ORDERS,
    accepted: sent.status['202'] ?? 0,
    cardbridgeSeconds: cardbridgeS,
    cardbridgePerSecond: P1_ORDERS / cardbridgeS,
    baselineSeconds: baselineS,
    baselinePerSecond: P1_ORDERS / baselineS,
    ratio: baselineS / cardbridgeS,
    target: '>= 0.5',
    finalStatuses: counts,
  };
  log(
    `P1: cardbridge ${result.cardbridgePerSecond.toFixed(1)}/s, baseline ${result.baselinePerSecond.toFixed(1)}/s`,
  );
  return result;
}

async function p2(stack: BenchStack) {
  log(`P2: storefront hook vs bare Express hook, ${P2_SECONDS} s each under autocannon (16 connections)`);
  // Both hooks start workflows on a queue no worker polls: the figure is the hook's own cost.
  const parked = `${stack.taskQueue}-parked`;
  const apiPort = await freePort();
  const api = await stack.startApi({ TEMPORAL_TASK_QUEUE: parked }, apiPort);
  const barePort = await freePort();
  const bare = spawnNode('bare-hook', 'bench/bare-hook.ts', {
    PATH: process.env.PATH ?? '',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    BARE_TASK_QUEUE: parked,
    BARE_PORT: String(barePort),
    BARE_WOO_SECRET: wooSecret('p2'),
  });
  await waitUntil('the bare hook', async () => bare.output().includes('READY'), { proc: bare });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  let next = 2_000_000;
  const gen = (store: string) => () => wooRequest(store, next++);
  // Warm-up (JIT, connection pools), then the measured runs.
  await load({ baseUrl: apiUrl, next: gen('p2w'), durationS: 3 });
  await load({ baseUrl: bareUrl, next: gen('p2'), durationS: 3 });
  const bareRun = await load({ baseUrl: bareUrl, next: gen('p2'), durationS: P2_SECONDS });
  const realRun = await load({ baseUrl: apiUrl, next: gen('p2'), durationS: P2_SECONDS });
  await Promise.all([api.stop('SIGTERM'), bare.stop('SIGTERM')]);
  const result = {
    seconds: P2_SECONDS,
    connections: 16,
    cardbridge: realRun,
    bare: bareRun,
    ratio: realRun.rps / bareRun.rps,
    target: '>= 0.8',
  };
  log(`P2: cardbridge ${realRun.rps.toFixed(0)} req/s, bare ${bareRun.rps.toFixed(0)} req/s`);
  return result;
}

async function p3(stack: BenchStack) {
  log(
    `P3: hook latency at ${P3_RATE} req/s for ${P3_SECONDS} s with the supplier answering in 0 s, then 2 s`,
  );
  await stack.sandboxRule('cb_p3fast_', { latencyMs: 0 });
  await stack.sandboxRule('cb_p3slow_', { latencyMs: 2_000 });
  let next = 3_000_000;
  const run = (store: string) =>
    load({
      baseUrl: stack.apiUrl,
      next: () => wooRequest(store, next++),
      durationS: P3_SECONDS,
      overallRate: P3_RATE,
      connections: 8,
    });
  // Each run starts with the worker idle: the previous run's orders are delivered first.
  const idle = async (store: string, n: number) =>
    waitCount(
      `P3 ${store} delivered`,
      n,
      async () => (await stack.statusCounts(store)).delivered ?? 0,
      Date.now(),
      10 * 60_000,
    );
  const fast = await run('p3fast');
  await idle('p3fast', fast.status['202'] ?? 0);
  const slow = await run('p3slow');
  await idle('p3slow', slow.status['202'] ?? 0);
  const result = {
    rate: P3_RATE,
    seconds: P3_SECONDS,
    supplier0s: fast,
    supplier2s: slow,
    ratio: slow.p99 / fast.p99,
    target: '<= 1.1',
  };
  log(`P3: p99 ${fast.p99} ms (supplier 0 s) vs ${slow.p99} ms (supplier 2 s)`);
  return result;
}

async function p4(stack: BenchStack) {
  log(`P4: ${P4_ORDERS} orders parked waiting for the supplier's webhook`);
  await stack.sandboxRule('cb_p4_', { latencyMs: 0, fulfilDelayMs: 0, webhook: 'drop' });
  const rssBefore = { worker: rssMiB(stack.worker?.child.pid), api: rssMiB(stack.api.child.pid) };
  let next = 4_000_000;
  const t0 = Date.now();
  const sent = await load({
    baseUrl: stack.apiUrl,
    next: () => wooRequest('p4', next++),
    amount: P4_ORDERS,
    connections: 16,
  });
  const acceptS = (Date.now() - t0) / 1000;
  // Memory as the parked count grows (a sample every 5 s), for the slope per parked order.
  const growth: { parked: number; workerMiB?: number; apiMiB?: number }[] = [];
  let lastSample = 0;
  const parkS = await waitCount(
    'P4 parked',
    P4_ORDERS,
    async () => {
      // The database records terminal states only; the workflow's search attribute says it waits.
      const { count } = await stack.client.workflow.count(
        `CardbridgeStore='p4' AND CardbridgeStatus='awaiting_supplier'`,
      );
      if (Date.now() - lastSample > 5_000) {
        lastSample = Date.now();
        growth.push({
          parked: count,
          workerMiB: rssMiB(stack.worker?.child.pid),
          apiMiB: rssMiB(stack.api.child.pid),
        });
      }
      return count;
    },
    t0,
    60 * 60_000,
  );
  log(`P4: ${P4_ORDERS} parked after ${parkS.toFixed(0)} s; sampling memory for 15 s`);
  const samples: { worker?: number; api?: number; temporal?: number }[] = [];
  for (let i = 0; i < 15; i++) {
    samples.push({
      worker: rssMiB(stack.worker?.child.pid),
      api: rssMiB(stack.api.child.pid),
      temporal: rssMiB(stack.temporal.child.pid),
    });
    await sleep(1_000);
  }
  const max = (k: 'worker' | 'api' | 'temporal') => Math.max(...samples.map((s) => s[k] ?? 0));
  const t1 = Date.now();
  const resend = stack.sandboxResend('cb_p4_', 16);
  const drainS = await waitCount(
    'P4 drained',
    P4_ORDERS,
    async () => (await stack.statusCounts('p4')).delivered ?? 0,
    t1,
    60 * 60_000,
  );
  const resent = await resend;
  const result = {
    orders: P4_ORDERS,
    accepted: sent.status['202'] ?? 0,
    acceptSeconds: acceptS,
    parkSeconds: parkS,
    rssMiBBefore: rssBefore,
    rssMiBParked: { worker: max('worker'), api: max('api'), temporal: max('temporal') },
    rssGrowth: growth,
    drainSeconds: drainS,
    drainPerSecond: P4_ORDERS / drainS,
    webhooksResent: resent,
    target: 'worker RSS <= 400 MiB',
  };
  log(
    `P4: worker ${result.rssMiBParked.worker.toFixed(0)} MiB, API ${result.rssMiBParked.api.toFixed(0)} MiB; drained in ${drainS.toFixed(1)} s`,
  );
  return result;
}

function table(r: Record<string, unknown>) {
  const f = (n: number, d = 1) => n.toFixed(d);
  const rows: string[][] = [['figure', 'cardbridge', 'baseline', 'ratio', 'target', 'met']];
  const P1 = r.p1 as Awaited<ReturnType<typeof p1>> | undefined;
  const P2 = r.p2 as Awaited<ReturnType<typeof p2>> | undefined;
  const P3 = r.p3 as Awaited<ReturnType<typeof p3>> | undefined;
  const P4 = r.p4 as Awaited<ReturnType<typeof p4>> | undefined;
  if (P1)
    rows.push([
      'P1 fulfilled orders/s',
      f(P1.cardbridgePerSecond),
      `${f(P1.baselinePerSecond)} (3-activity wf)`,
      f(P1.ratio, 2),
      '>= 0.5',
      P1.ratio >= 0.5 ? 'yes' : 'NO',
    ]);
  if (P2) {
    rows.push([
      'P2 hook req/s',
      f(P2.cardbridge.rps, 0),
      `${f(P2.bare.rps, 0)} (bare Express)`,
      f(P2.ratio, 2),
      '>= 0.8',
      P2.ratio >= 0.8 ? 'yes' : 'NO',
    ]);
    rows.push([
      'P2 hook p50 / p99 ms',
      `${P2.cardbridge.p50} / ${P2.cardbridge.p99}`,
      `${P2.bare.p50} / ${P2.bare.p99}`,
      '',
      '',
      '',
    ]);
  }
  if (P3)
    rows.push([
      'P3 hook p99 ms, supplier 2 s vs 0 s',
      `${P3.supplier2s.p99}`,
      `${P3.supplier0s.p99} (supplier 0 s)`,
      f(P3.ratio, 2),
      '<= 1.1',
      P3.ratio <= 1.1 ? 'yes' : 'NO',
    ]);
  if (P4) {
    rows.push([
      `P4 worker RSS MiB, ${P4.orders} parked`,
      f(P4.rssMiBParked.worker, 0),
      `${f(P4.rssMiBBefore.worker ?? 0, 0)} (idle)`,
      '',
      '<= 400',
      P4.rssMiBParked.worker <= 400 ? 'yes' : 'NO',
    ]);
    rows.push([
      'P4 API RSS MiB',
      f(P4.rssMiBParked.api, 0),
      `${f(P4.rssMiBBefore.api ?? 0, 0)} (idle)`,
      '',
      '',
      '',
    ]);
    rows.push(['P4 drain s (orders/s)', `${f(P4.drainSeconds)} (${f(P4.drainPerSecond)}/s)`, '', '', '', '']);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

function topologyTable(dev: Record<string, unknown>, prod: Record<string, unknown>) {
  type P1 = Awaited<ReturnType<typeof p1>>;
  type P2 = Awaited<ReturnType<typeof p2>>;
  const f = (n: number | undefined, d = 1) => (n === undefined ? '-' : n.toFixed(d));
  const [d1, p1r, d2, p2r] = [
    dev.p1 as P1 | undefined,
    prod.p1 as P1 | undefined,
    dev.p2 as P2 | undefined,
    prod.p2 as P2 | undefined,
  ];
  const rows: string[][] = [
    ['figure', 'dev server (1 worker)', 'production topology (2 workers)'],
    ['P1 fulfilled orders/s', f(d1?.cardbridgePerSecond), f(p1r?.cardbridgePerSecond)],
    ['P1 baseline 3-activity wf/s', f(d1?.baselinePerSecond), f(p1r?.baselinePerSecond)],
    ['P1 ratio (target >= 0.5)', f(d1?.ratio, 2), f(p1r?.ratio, 2)],
    ['P2 hook req/s', f(d2?.cardbridge.rps, 0), f(p2r?.cardbridge.rps, 0)],
    ['P2 bare Express req/s', f(d2?.bare.rps, 0), f(p2r?.bare.rps, 0)],
    ['P2 ratio (target >= 0.8)', f(d2?.ratio, 2), f(p2r?.ratio, 2)],
    [
      'P2 hook p50 / p99 ms',
      d2 ? `${d2.cardbridge.p50} / ${d2.cardbridge.p99}` : '-',
      p2r ? `${p2r.cardbridge.p50} / ${p2r.cardbridge.p99}` : '-',
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ')).join('\n');
}

/** `--topology production`: P1 and P2 on the dev server, then on the production topology. */
async function compareTopologies() {
  const m = machine();
  const started = new Date();
  const pgUrl =
    process.env.BENCH_DATABASE_URL ??
    process.env.PRODUCTION_TOPOLOGY_PG_URL ??
    'postgresql://cardbridge:cardbridge@127.0.0.1:5432/cardbridge';
  log(`machine: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}; load ${load1().join(' ')}`);
  const results: Record<string, Record<string, unknown>> = {};
  const loadDuring: Record<string, number[]> = { start: load1() };
  for (const topology of ['dev', 'production'] as const) {
    const stack = await startStack({
      stores: ['p1', 'p1w', 'p2', 'p2w'],
      databaseAdminUrl: pgUrl,
      temporal: topology,
      temporalDbPrefix: 'temporal_bench',
      // 10 s, not 60 min: a supplier webhook lost on a busy machine is followed by a lookup
      // (as in production settings), so one lost webhook can't stall the comparison.
      apiEnv: { SUPPLIER_WEBHOOK_WAIT: '10s', SUPPLIER_MAX_WAIT: '2h', PAYMENT_WAIT: '2h' },
    });
    if (topology === 'production') await stack.startWorker();
    log(`${topology} stack up: Temporal ${stack.temporalAddress}, database ${stack.database.kind}`);
    const r: Record<string, unknown> = {};
    try {
      if (ONLY.has('p1')) r.p1 = await p1(stack);
      if (ONLY.has('p2')) r.p2 = await p2(stack);
    } finally {
      await stack.stop();
    }
    results[topology] = r;
    loadDuring[topology] = load1();
  }
  const out = {
    startedAt: started.toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    machine: m,
    database: 'PostgreSQL',
    scale: SCALE,
    loadAverages1m5m15m: loadDuring,
    topologies: results,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest-topology.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `\ncardbridge benchmark, dev server vs production topology, ${out.startedAt} (${out.minutes} min), ` +
      `${m.cores} cores, ${m.cpuModel}, Node ${m.node}, PostgreSQL, scale ${SCALE}, load avg at end ${load1().join(' ')}\n`,
  );
  console.log(topologyTable(results.dev!, results.production!));
  console.log('\nwritten: bench/results/latest-topology.json');
}

async function main() {
  if (TOPOLOGY === 'production') return compareTopologies();
  const m = machine();
  const started = new Date();
  log(`machine: ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}; load ${load1().join(' ')}`);
  const stack = await startStack({
    stores: ['p1', 'p1w', 'p2', 'p2w', 'p3fast', 'p3slow', 'p4'],
    databaseAdminUrl: process.env.BENCH_DATABASE_URL,
    apiEnv: { SUPPLIER_WEBHOOK_WAIT: '60m', SUPPLIER_MAX_WAIT: '2h', PAYMENT_WAIT: '2h' },
  });
  log(`stack up: Temporal ${stack.temporalAddress}, database ${stack.database.kind}, API ${stack.apiUrl}`);
  const interrupted = () =>
    void stack.stop().then(
      () => process.exit(130),
      () => process.exit(130),
    );
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const results: Record<string, unknown> = {};
  const loadDuring: Record<string, number[]> = { start: load1() };
  try {
    if (ONLY.has('p1')) [results.p1, loadDuring.p1] = [await p1(stack), load1()];
    if (ONLY.has('p2')) [results.p2, loadDuring.p2] = [await p2(stack), load1()];
    if (ONLY.has('p3')) [results.p3, loadDuring.p3] = [await p3(stack), load1()];
    if (ONLY.has('p4')) [results.p4, loadDuring.p4] = [await p4(stack), load1()];
  } finally {
    await stack.stop();
  }
  const out = {
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    minutes: Number(((Date.now() - started.getTime()) / 60_000).toFixed(1)),
    machine: m,
    database: stack.database.kind,
    scale: SCALE,
    loadAverages1m5m15m: loadDuring,
    ...results,
  };
  const dir = path.join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(out, null, 2)}\n`);
  writeFileSync(path.join(dir, 'latest.svg'), renderChart(out));
  console.log(
    `\ncardbridge benchmark, ${out.startedAt} (${out.minutes} min), ${m.cores} cores, ${m.memoryGiB} GiB, ${m.cpuModel}, ` +
      `Node ${m.node}, database ${out.database}, load avg at end ${load1().join(' ')}\n`,
  );
  console.log(table(results));
  console.log('\nwritten: bench/results/latest.json, bench/results/latest.svg');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
