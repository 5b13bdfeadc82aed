// The four figures of BENCHMARKS.md, one repetition each: cardbridge and its baseline measured
// side by side on the same stack. Every repetition has its own stores (p1, p1-2, p1-3, ...), so
// its orders, supplier rules and delivered counts never mix with another repetition's.
import { Client } from '@temporalio/client';
import type { BenchOptions } from './args';
import { joinRuns, load, wooRequest } from './load';
import { freePort, rssMiB, spawnNode, waitUntil } from './procs';
import { wooSecret, type BenchStack } from './stack';

export const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The store of one repetition (0-based): `p1`, then `p1-2`, `p1-3`, ... */
export const repStore = (base: string, rep: number) => (rep === 0 ? base : `${base}-${rep + 1}`);

/** Every store the phases use in `repeat` repetitions (the stack creates them up front). */
export function phaseStores(repeat: number): string[] {
  const bases = ['p1', 'p1w', 'p2', 'p2w', 'p3fast', 'p3slow', 'p4'];
  return bases.flatMap((b) => Array.from({ length: repeat }, (_, rep) => repStore(b, rep)));
}

/** Order ids of one repetition: disjoint ranges, so no request is answered as a duplicate. */
const ids = (phase: number, rep: number) => phase * 1_000_000 + rep * 100_000;

/** Waits until `count()` reaches n; returns the seconds from `since` to that moment. */
export async function waitCount(
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

const delivered = (stack: BenchStack, store: string) => async () =>
  (await stack.statusCounts(store)).delivered ?? 0;

export async function p1(stack: BenchStack, o: BenchOptions, rep = 0) {
  const n = o.p1Orders;
  const [store, warmStore] = [repStore('p1', rep), repStore('p1w', rep)];
  log(`P1 #${rep + 1}: ${n} baseline workflows, then ${n} orders end to end`);
  const queue = `${stack.taskQueue}-baseline-${rep}`;
  const worker = spawnNode('baseline-worker', 'bench/baseline-worker.ts', {
    PATH: process.env.PATH ?? '',
    TEMPORAL_ADDRESS: stack.temporalAddress,
    BASELINE_TASK_QUEUE: queue,
  });
  await waitUntil('the baseline worker', async () => worker.output().includes('READY'), { proc: worker });
  const client = new Client({ connection: stack.client.connection });
  const runBaseline = async (count: number, prefix: string) => {
    const t0 = Date.now();
    const handles: { result(): Promise<unknown> }[] = [];
    const left = Array.from({ length: count }, (_, i) => `${prefix}-${rep}-${i}`);
    const starter = async () => {
      for (let id = left.shift(); id; id = left.shift())
        handles.push(
          await client.workflow.start('threeActivities', { workflowId: id, taskQueue: queue, args: [id] }),
        );
    };
    await Promise.all(Array.from({ length: 16 }, starter));
    await Promise.all(handles.map((h) => h.result()));
    return (Date.now() - t0) / 1000;
  };
  await runBaseline(50, 'warmup'); // bundle loaded, connections open
  const baselineS = await runBaseline(n, 'baseline');
  await worker.stop('SIGTERM');

  await stack.sandboxRule(`cb_${warmStore}_`, { latencyMs: 0, fulfilDelayMs: 0 });
  await stack.sandboxRule(`cb_${store}_`, { latencyMs: 0, fulfilDelayMs: 0 });
  let next = ids(1, rep);
  await load({
    baseUrl: stack.apiUrl,
    next: () => wooRequest(warmStore, next++),
    amount: 30,
    connections: 4,
  });
  await waitCount('P1 warm-up', 30, delivered(stack, warmStore), Date.now(), 120_000);
  const t0 = Date.now();
  next = ids(1, rep);
  const sent = await load({
    baseUrl: stack.apiUrl,
    next: () => wooRequest(store, next++),
    amount: n,
    connections: 16,
  });
  const cardbridgeS = await waitCount('P1 delivered', n, delivered(stack, store), t0, 30 * 60_000);
  const result = {
    orders: n,
    accepted: sent.status['202'] ?? 0,
    cardbridgeSeconds: cardbridgeS,
    cardbridgePerSecond: n / cardbridgeS,
    baselineSeconds: baselineS,
    baselinePerSecond: n / baselineS,
    ratio: baselineS / cardbridgeS,
    target: '>= 0.5',
    finalStatuses: await stack.statusCounts(store),
  };
  log(
    `P1 #${rep + 1}: cardbridge ${result.cardbridgePerSecond.toFixed(1)}/s, baseline ${result.baselinePerSecond.toFixed(1)}/s`,
  );
  return result;
}

export async function p2(stack: BenchStack, o: BenchOptions, rep = 0) {
  const seconds = o.p2Seconds;
  const [store, warmStore] = [repStore('p2', rep), repStore('p2w', rep)];
  log(`P2 #${rep + 1}: storefront hook vs bare Express hook, ${seconds} s each (16 connections)`);
  // Both hooks start workflows on a queue no worker polls: the figure is the hook's own cost.
  const parked = `${stack.taskQueue}-parked`;
  const apiPort = await freePort();
  const api = await stack.startApi({ TEMPORAL_TASK_QUEUE: parked }, apiPort);
  const barePort = await freePort();
  const bare = spawnNode('bare-hook', 'bench/bare-hook.ts', {
    PATH: process.env.PATH ?? '',
    ...(process.env.PROF_OPTS ? { NODE_OPTIONS: process.env.PROF_OPTS } : {}),
    TEMPORAL_ADDRESS: stack.temporalAddress,
    BARE_TASK_QUEUE: parked,
    BARE_PORT: String(barePort),
    BARE_WOO_SECRET: wooSecret(store),
  });
  await waitUntil('the bare hook', async () => bare.output().includes('READY'), { proc: bare });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  let next = ids(2, rep);
  const gen = (s: string) => () => wooRequest(s, next++);
  // Warm-up (JIT, connection pools), then the measured runs.
  await load({ baseUrl: apiUrl, next: gen(warmStore), durationS: 3 });
  await load({ baseUrl: bareUrl, next: gen(store), durationS: 3 });
  // Each hook runs half its time before the other and half after (bare, cardbridge, cardbridge,
  // bare): the Temporal server slows as the run's workflows pile up, and whichever hook went
  // second would pay for all of them.
  const half = seconds / 2;
  const bareFirst = await load({ baseUrl: bareUrl, next: gen(store), durationS: half });
  const realRun = joinRuns(
    await load({ baseUrl: apiUrl, next: gen(store), durationS: half }),
    await load({ baseUrl: apiUrl, next: gen(store), durationS: half }),
  );
  const bareRun = joinRuns(bareFirst, await load({ baseUrl: bareUrl, next: gen(store), durationS: half }));
  await Promise.all([api.stop('SIGTERM'), bare.stop('SIGTERM')]);
  const result = {
    seconds,
    connections: 16,
    cardbridge: realRun,
    bare: bareRun,
    ratio: realRun.rps / bareRun.rps,
    target: '>= 0.8',
  };
  log(`P2 #${rep + 1}: cardbridge ${realRun.rps.toFixed(0)} req/s, bare ${bareRun.rps.toFixed(0)} req/s`);
  return result;
}

export async function p3(stack: BenchStack, o: BenchOptions, rep = 0) {
  const [fastStore, slowStore] = [repStore('p3fast', rep), repStore('p3slow', rep)];
  log(
    `P3 #${rep + 1}: hook latency at ${o.p3Rate} req/s for ${o.p3Seconds} s, supplier answering in 0 s, then 2 s`,
  );
  await stack.sandboxRule(`cb_${fastStore}_`, { latencyMs: 0 });
  await stack.sandboxRule(`cb_${slowStore}_`, { latencyMs: 2_000 });
  let next = ids(3, rep);
  const run = (store: string) =>
    load({
      baseUrl: stack.apiUrl,
      next: () => wooRequest(store, next++),
      durationS: o.p3Seconds,
      overallRate: o.p3Rate,
      connections: 8,
    });
  // Each run starts with the worker idle: the previous run's orders are delivered first.
  const idle = (store: string, n: number) =>
    waitCount(`P3 ${store} delivered`, n, delivered(stack, store), Date.now(), 10 * 60_000);
  const fast = await run(fastStore);
  await idle(fastStore, fast.status['202'] ?? 0);
  const slow = await run(slowStore);
  await idle(slowStore, slow.status['202'] ?? 0);
  const result = {
    rate: o.p3Rate,
    seconds: o.p3Seconds,
    supplier0s: fast,
    supplier2s: slow,
    ratio: slow.p99 / fast.p99,
    target: '<= 1.1',
  };
  log(`P3 #${rep + 1}: p99 ${fast.p99} ms (supplier 0 s) vs ${slow.p99} ms (supplier 2 s)`);
  return result;
}

export async function p4(stack: BenchStack, o: BenchOptions, rep = 0) {
  const n = o.p4Orders;
  const store = repStore('p4', rep);
  log(`P4 #${rep + 1}: ${n} orders parked waiting for the supplier's webhook`);
  await stack.sandboxRule(`cb_${store}_`, { latencyMs: 0, fulfilDelayMs: 0, webhook: 'drop' });
  const rssBefore = { worker: rssMiB(stack.worker?.child.pid), api: rssMiB(stack.api.child.pid) };
  let next = ids(4, rep);
  const t0 = Date.now();
  const sent = await load({
    baseUrl: stack.apiUrl,
    next: () => wooRequest(store, next++),
    amount: n,
    connections: 16,
  });
  const acceptS = (Date.now() - t0) / 1000;
  // Memory as the parked count grows (a sample every 5 s), for the slope per parked order.
  const growth: { parked: number; workerMiB?: number; apiMiB?: number }[] = [];
  let lastSample = 0;
  const parkS = await waitCount(
    'P4 parked',
    n,
    async () => {
      // The database records terminal states only; the workflow's search attribute says it waits.
      const { count } = await stack.client.workflow.count(
        `CardbridgeStore='${store}' AND CardbridgeStatus='awaiting_supplier'`,
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
  log(`P4 #${rep + 1}: ${n} parked after ${parkS.toFixed(0)} s; sampling memory for 15 s`);
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
  const resend = stack.sandboxResend(`cb_${store}_`, 16);
  const drainS = await waitCount('P4 drained', n, delivered(stack, store), t1, 60 * 60_000);
  const resent = await resend;
  const result = {
    orders: n,
    accepted: sent.status['202'] ?? 0,
    acceptSeconds: acceptS,
    parkSeconds: parkS,
    rssMiBBefore: rssBefore,
    rssMiBParked: { worker: max('worker'), api: max('api'), temporal: max('temporal') },
    rssGrowth: growth,
    drainSeconds: drainS,
    drainPerSecond: n / drainS,
    webhooksResent: resent,
    target: 'worker RSS <= 400 MiB',
  };
  log(
    `P4 #${rep + 1}: worker ${result.rssMiBParked.worker.toFixed(0)} MiB, API ${result.rssMiBParked.api.toFixed(0)} MiB; drained in ${drainS.toFixed(1)} s`,
  );
  return result;
}

export type P1 = Awaited<ReturnType<typeof p1>>;
export type P2 = Awaited<ReturnType<typeof p2>>;
export type P3 = Awaited<ReturnType<typeof p3>>;
export type P4 = Awaited<ReturnType<typeof p4>>;
