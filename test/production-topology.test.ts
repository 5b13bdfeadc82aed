// The production topology, proven: the real Temporal server (built from the Go module proxy by
// scripts/install-temporal-server.sh, configured from deploy/temporal like docker-compose.yml)
// on PostgreSQL (its own databases temporal_prod + temporal_prod_visibility, recreated per run),
// the app database on PostgreSQL, TWO workers and TWO API processes. The sender spreads
// deliveries over both APIs (and, as a load balancer would, tries the other when one fails).
// Integration: orders delivered across both APIs, a review decided. Chaos: a worker SIGKILLed
// repeatedly, the Temporal server restarted, one API killed. Invariants every time: all
// delivered, one supplier order per order (the sandbox ignores Idempotency-Key, so a second one
// would show), no code delivered twice.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type Child } from '../bench/lib/procs';
import { wooRequest } from '../bench/lib/load';
import { startStack, type BenchStack } from '../bench/lib/stack';
import { temporalServerDir } from '../scripts/lib/temporal';
import { fulfillmentWorkflowId, reviewDecisionUpdate } from '../src/shared/contract';
import { workflowBundlePath } from './support/run-assets';

const PG_URL =
  process.env.PRODUCTION_TOPOLOGY_PG_URL ??
  process.env.TEST_PG_URL ??
  'postgresql://cardbridge:cardbridge@127.0.0.1:5432/cardbridge';

function unavailable(): string | undefined {
  if (process.env.SKIP_PRODUCTION_TOPOLOGY)
    return `SKIP_PRODUCTION_TOPOLOGY=${process.env.SKIP_PRODUCTION_TOPOLOGY}`;
  if (spawnSync('sh', ['-c', 'command -v pg_ctlcluster'], { stdio: 'ignore' }).status !== 0)
    return 'pg_ctlcluster is absent (apt-get install -y postgresql; .ci/run does)';
  const u = new URL(PG_URL);
  if (spawnSync('pg_isready', ['-q', '-h', u.hostname, '-p', u.port || '5432']).status !== 0)
    return `PostgreSQL does not answer at ${u.host} (pg_ctlcluster 15 main start)`;
  if (!temporalServerDir())
    return 'the Temporal server could not be built (bash scripts/install-temporal-server.sh needs Go)';
  return undefined;
}
const skipReason = unavailable();
if (skipReason) console.warn(`SKIPPED production-topology: ${skipReason}`);

const SEND_MS = 8_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const range = (n: number) => Array.from({ length: n }, (_, i) => 1000 + i);

let stack: BenchStack;
let apiUrls: string[];
const workers: Child[] = [];
let api2: Child;
let api2Port: number;
const report: string[] = [];

beforeAll(async () => {
  if (skipReason) return;
  const t = Date.now();
  stack = await startStack({
    workflowBundlePath: workflowBundlePath(),
    stores: ['deliver', 'review', 'kill', 'restart', 'api'],
    temporal: 'production',
    temporalDbPrefix: 'temporal_prod',
    databaseAdminUrl: PG_URL,
    apiEnv: {
      SUPPLIER_WEBHOOK_WAIT: '3s',
      SUPPLIER_MAX_WAIT: '5m',
      PAYMENT_WAIT: '10m',
      REVIEW_REMINDER_AFTER: '10m',
    },
  });
  workers.push(stack.worker!, await stack.startWorker());
  api2Port = await freePort();
  api2 = await stack.startApi({}, api2Port);
  apiUrls = [stack.apiUrl, `http://127.0.0.1:${api2Port}`];
  report.push(
    `  stack up in ${((Date.now() - t) / 1000).toFixed(1)} s (server, schemas, namespace, 2 workers, 2 APIs)`,
  );
}, 240_000);

afterAll(async () => {
  await stack?.stop();
  if (report.length) console.log(`production topology:\n${report.join('\n')}`);
});

/** Re-delivers until a 2xx, order i to API i % 2 first, then the other one. Returns per-API 2xx counts. */
async function sendOrders(store: string, ids: number[], concurrency = 4): Promise<number[]> {
  const gapMs = (SEND_MS * concurrency) / ids.length;
  const accepted = [0, 0];
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const req = wooRequest(store, id);
        const until = Date.now() + 120_000;
        for (let attempt = 0; ; attempt++) {
          const which = (id + attempt) % 2;
          const status = await fetch(`${apiUrls[which]}${req.path}`, {
            method: 'POST',
            headers: req.headers,
            body: req.body,
            signal: AbortSignal.timeout(15_000),
          }).then(
            (r) => r.status,
            () => 0,
          );
          if (status === 202 || status === 200) {
            accepted[which]!++;
            break;
          }
          if (Date.now() > until) throw new Error(`order ${store}/${id} never accepted (last ${status})`);
          await sleep(300);
        }
        await sleep(gapMs);
      }
    }),
  );
  return accepted;
}

/** Waits until every order is delivered (or the timeout), then checks the invariants. */
async function expectAllDelivered(name: string, store: string, ids: number[], extra = '') {
  const until = Date.now() + 150_000;
  let statuses: Record<string, number>;
  for (;;) {
    statuses = await stack.statusCounts(store);
    if ((statuses.delivered ?? 0) >= ids.length || Date.now() > until) break;
    await sleep(500);
  }
  const codes = await stack.pg.query<{ n: string; d: string }>(
    `SELECT count(*) AS n, count(DISTINCT c.fingerprint) AS d FROM delivered_codes c JOIN orders o ON o.id = c.order_id
      WHERE o.store_id = $1`,
    [store],
  );
  const stats = await stack.sandboxStats();
  const perOrder = Object.entries(stats.byClientOrderId).filter(([k]) => k.startsWith(`cb_${store}_`));
  const duplicates = perOrder.filter(([, n]) => n !== 1);
  report.push(
    `  ${name}: ${ids.length} orders -> ${JSON.stringify(statuses)}; ${perOrder.length} supplier orders ` +
      `(${duplicates.length} duplicated); ${codes.rows[0]!.n} codes (${codes.rows[0]!.d} distinct)${extra ? `; ${extra}` : ''}`,
  );
  expect(statuses, `${name}: every order delivered`).toEqual({ delivered: ids.length });
  expect(perOrder.length, `${name}: one supplier order per order`).toBe(ids.length);
  expect(duplicates, `${name}: duplicate supplier orders`).toEqual([]);
  expect(Number(codes.rows[0]!.n), `${name}: one code per order`).toBe(ids.length);
  expect(Number(codes.rows[0]!.d), `${name}: no code delivered twice`).toBe(ids.length);
}

/** A process that gave up while the server was gone is restarted, as an orchestrator would. */
async function restartDead(): Promise<string[]> {
  const restarted: string[] = [];
  for (const [i, w] of workers.entries()) {
    if (!w.alive()) {
      restarted.push(`worker ${i + 1}`);
      workers[i] = await stack.startWorker();
    }
  }
  if (!stack.api.alive()) {
    restarted.push('api 1');
    await stack.startApi();
  }
  if (!api2.alive()) {
    restarted.push('api 2');
    api2 = await stack.startApi({}, api2Port);
  }
  return restarted;
}

describe.skipIf(!!skipReason)(
  'production topology (built Temporal server on PostgreSQL, 2 workers, 2 APIs)',
  () => {
    it('runs the real server from deploy/temporal with the contract search attributes', async () => {
      const ns = await stack.client.connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(ns.namespaceInfo?.name).toBe('default');
      const sys = await stack.client.connection.workflowService.getSystemInfo({});
      expect(sys.serverVersion).toBe('1.29.1');
      const sa = await stack.client.connection.operatorService.listSearchAttributes({ namespace: 'default' });
      expect(Object.keys(sa.customAttributes ?? {})).toEqual(
        expect.arrayContaining(['CardbridgeStatus', 'CardbridgeStore', 'CardbridgeDeadline']),
      );
    });

    it('delivers orders sent across both APIs, processed by both workers', async () => {
      await stack.sandboxRule('cb_deliver_', { ignoreIdempotencyKey: true, latencyMs: 100 });
      const ids = range(20);
      const accepted = await sendOrders('deliver', ids);
      expect(accepted[0]).toBeGreaterThan(0);
      expect(accepted[1]).toBeGreaterThan(0);
      await expectAllDelivered(
        'across both APIs',
        'deliver',
        ids,
        `accepted by API 1/2: ${accepted.join('/')}`,
      );
      expect(workers.every((w) => w.alive())).toBe(true);
    }, 200_000);

    it('a rejected order goes to review; a retry decision delivers it', async () => {
      await stack.sandboxRule('cb_review_', {
        ignoreIdempotencyKey: true,
        reject: { status: 422, message: 'out of stock' },
      });
      await sendOrders('review', [1000], 1);
      const until = Date.now() + 60_000;
      while ((await stack.statusCounts('review')).in_review !== 1 && Date.now() < until) await sleep(300);
      expect(await stack.statusCounts('review')).toEqual({ in_review: 1 });
      await stack.sandboxRule('cb_review_', { ignoreIdempotencyKey: true });
      const handle = stack.client.workflow.getHandle(fulfillmentWorkflowId('review', '1000'));
      await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'retry', by: 'production-topology test' }],
      });
      const until2 = Date.now() + 60_000;
      while ((await stack.statusCounts('review')).delivered !== 1 && Date.now() < until2) await sleep(300);
      expect(await stack.statusCounts('review')).toEqual({ delivered: 1 });
      const codes = await stack.pg.query<{ n: string }>(
        `SELECT count(*) AS n FROM delivered_codes c JOIN orders o ON o.id = c.order_id WHERE o.store_id = 'review'`,
      );
      expect(Number(codes.rows[0]!.n)).toBe(1);
      report.push('  review: rejected -> in_review -> retry decision (Update) -> delivered, 1 code');
    }, 150_000);

    it('chaos: one worker SIGKILLed repeatedly while orders flow', async () => {
      await stack.sandboxRule('cb_kill_', { ignoreIdempotencyKey: true, latencyMs: 300 });
      const ids = range(30);
      let kills = 0;
      let sending = true;
      const killer = (async () => {
        await sleep(1_000);
        while (sending || kills < 3) {
          await workers[0]!.stop('SIGKILL');
          kills++;
          await sleep(500);
          workers[0] = await stack.startWorker();
          await sleep(1_500 + Math.random() * 1_500);
          if (kills >= 5) break;
        }
      })();
      const accepted = await sendOrders('kill', ids).finally(() => (sending = false));
      await killer;
      await expectAllDelivered(
        'worker SIGKILL',
        'kill',
        ids,
        `${kills} kills, accepted by API 1/2: ${accepted.join('/')}`,
      );
    }, 240_000);

    it('chaos: the Temporal server restarted mid-run', async () => {
      await stack.sandboxRule('cb_restart_', { ignoreIdempotencyKey: true, latencyMs: 200 });
      const ids = range(20);
      const sending = sendOrders('restart', ids);
      await sleep(SEND_MS / 3);
      await stack.temporal.stop('SIGTERM', 10_000);
      await sleep(2_000);
      await stack.startTemporal();
      const accepted = await sending;
      await sleep(2_000);
      const restarted = await restartDead();
      await expectAllDelivered(
        'Temporal restart',
        'restart',
        ids,
        `accepted by API 1/2: ${accepted.join('/')}; restarted after: ${restarted.join(', ') || 'none'}`,
      );
    }, 240_000);

    it('chaos: one API process SIGKILLed mid-run (the other keeps taking deliveries)', async () => {
      await stack.sandboxRule('cb_api_', { ignoreIdempotencyKey: true, latencyMs: 100 });
      const ids = range(20);
      const sending = sendOrders('api', ids);
      await sleep(SEND_MS / 3);
      await stack.api.stop('SIGKILL');
      await sleep(2_000);
      await stack.startApi();
      const accepted = await sending;
      await expectAllDelivered('API kill', 'api', ids, `accepted by API 1/2: ${accepted.join('/')}`);
    }, 200_000);
  },
);
