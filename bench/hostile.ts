// `npm run bench:hostile`: 10,000 forged, replayed and malformed deliveries to every webhook
// endpoint mixed with real signed orders, against the real stack. Every forged one must be
// refused, every real one delivered (once), and the API must still be up at the end.
//   npm run bench:hostile -- --total 10000 --real 200
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { cpus, loadavg, totalmem } from 'node:os';
import { runHostile } from './lib/hostile';
import { ROOT } from './lib/procs';
import { startStack } from './lib/stack';

const { values: args } = parseArgs({ options: { total: { type: 'string' }, real: { type: 'string' } } });
const arg = (name: keyof typeof args, fallback: number) =>
  args[name] === undefined ? fallback : Number(args[name]);

async function main() {
  const total = arg('total', 10_000);
  const realCount = arg('real', 200);
  const stack = await startStack({ stores: ['hostile'], databaseAdminUrl: process.env.BENCH_DATABASE_URL });
  const interrupted = () =>
    void stack.stop().then(
      () => process.exit(130),
      () => process.exit(130),
    );
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    const r = await runHostile({ apiUrl: stack.apiUrl, store: 'hostile', total, realCount });
    const until = Date.now() + 15 * 60_000;
    let delivered = 0;
    while (Date.now() < until) {
      delivered = (await stack.statusCounts('hostile')).delivered ?? 0;
      if (delivered >= realCount) break;
      await new Promise((res) => setTimeout(res, 500));
    }
    const counts = await stack.statusCounts('hostile');
    const stats = await stack.sandboxStats();
    const supplierOrders = Object.entries(stats.byClientOrderId).filter(([k]) => k.startsWith('cb_hostile_'));
    const summary = {
      at: new Date().toISOString(),
      machine: {
        cores: cpus().length,
        memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
        cpu: cpus()[0]?.model,
      },
      loadAverages: loadavg(),
      requests: r.requests,
      real: r.real,
      forgedReplayedMalformed: r.forgedMalformedReplayed,
      seconds: r.seconds,
      answeredWrongly: r.wrong.length,
      wrongSamples: r.wrong.slice(0, 20),
      byStatus: r.byStatus,
      byKind: r.byKind,
      ordersRecorded: Object.values(counts).reduce((a, b) => a + b, 0),
      ordersDelivered: counts.delivered ?? 0,
      supplierOrders: supplierOrders.length,
      duplicateSupplierOrders: supplierOrders.filter(([, n]) => n > 1).length,
      apiAlive: stack.api.alive() && (await fetch(`${stack.apiUrl}/healthz`)).ok,
    };
    mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(path.join(ROOT, 'bench/results/hostile.json'), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(JSON.stringify(summary, null, 2));
    const ok =
      summary.answeredWrongly === 0 &&
      summary.ordersRecorded === realCount &&
      summary.ordersDelivered === realCount &&
      summary.duplicateSupplierOrders === 0 &&
      summary.apiAlive;
    console.log(
      ok ? 'hostile input: all forged refused, all real delivered, API up' : 'hostile input: FAILED',
    );
    process.exitCode = ok ? 0 : 1;
  } finally {
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
