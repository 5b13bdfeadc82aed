// `--only counts`: what one order costs. A handful of WooCommerce orders go through the real
// stack one at a time; for each delivered order, the activity tasks in its workflow's history
// (ActivityTaskScheduled events, from handle.fetchHistory()) and the database statements the API
// and the worker sent from the webhook to the workflow's completion (through the stack's
// counting relay, bench/lib/statement-counter.ts). Background work (the worker's once-a-minute
// alert scan) can land inside one order's window: the statements of an idle window of the same
// length are reported next to them, and the median is the figure.
import { fulfillmentWorkflowId } from '../../src/shared/contract';
import type { BenchOptions } from './args';
import { wooRequest } from './load';
import { log } from './phases';
import type { BenchStack } from './stack';
import { countsBetween } from './statement-counter';
import { spread } from './stats';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const COUNTS_STORE = 'counts';

export async function counts(stack: BenchStack, o: BenchOptions) {
  const counter = stack.statements;
  if (!counter) throw new Error('the counts phase needs a stack started with countStatements');
  log(`counts: ${o.countOrders} orders one at a time, activity tasks and database statements per order`);
  await stack.sandboxRule(`cb_${COUNTS_STORE}_`, { latencyMs: 0, fulfilDelayMs: 0 });
  const orders = [];
  for (let i = 0; i < o.countOrders; i++) {
    const req = wooRequest(COUNTS_STORE, 5_000_000 + i);
    const before = counter.snapshot();
    const t0 = Date.now();
    const res = await fetch(`${stack.apiUrl}${req.path}`, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
    });
    if (res.status !== 202) throw new Error(`counts: the hook answered ${res.status}: ${await res.text()}`);
    const handle = stack.client.workflow.getHandle(
      fulfillmentWorkflowId(COUNTS_STORE, String(5_000_000 + i)),
    );
    await handle.result();
    const seconds = (Date.now() - t0) / 1000;
    const statements = countsBetween(before, counter.snapshot());
    const events = (await handle.fetchHistory()).events ?? [];
    const activities = events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes
        ? [e.activityTaskScheduledEventAttributes.activityType?.name ?? '?']
        : [],
    );
    // Local activities run inside a workflow task: no task of their own, one marker each.
    const localActivities = events.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    ).length;
    const workflowTasks = events.filter((e) => e.workflowTaskScheduledEventAttributes).length;
    orders.push({
      workflowId: handle.workflowId,
      seconds,
      activityTasks: activities.length,
      activities,
      localActivities,
      workflowTasks,
      statements,
    });
  }
  // The same length of time with no order: what the stack does on its own.
  const idleS = Math.max(1, Math.round(Math.max(...orders.map((x) => x.seconds))));
  const idleBefore = counter.snapshot();
  await sleep(idleS * 1000);
  const idle = { seconds: idleS, statements: countsBetween(idleBefore, counter.snapshot()) };
  const result = {
    orders,
    idle,
    activityTasks: spread(orders.map((x) => x.activityTasks)),
    localActivities: spread(orders.map((x) => x.localActivities)),
    workflowTasks: spread(orders.map((x) => x.workflowTasks)),
    statements: spread(orders.map((x) => x.statements.total)),
  };
  log(
    `counts: ${result.activityTasks.median} activity tasks (+${result.localActivities.median} local), ${result.statements.median} statements per order (median of ${orders.length}); ` +
      `idle ${idleS} s: ${idle.statements.total} statements`,
  );
  return result;
}

export type Counts = Awaited<ReturnType<typeof counts>>;
