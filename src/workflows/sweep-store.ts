// One recovery sweep of one store, run by its `sweep:<store>` Schedule: the orders its REST API
// says changed since the last run go through the webhook path (src/activities/sweep.ts).
import { proxyActivities } from '@temporalio/workflow';
import type { SweepActivities, SweepInput, SweepResult } from '../activities/sweep';

const { sweepStorefront } = proxyActivities<SweepActivities>({
  // Pages of 100 orders, each heartbeating; a stuck storefront is retried by the next run.
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 3 },
});

export async function sweepStore(input: SweepInput): Promise<SweepResult> {
  return sweepStorefront(input);
}
