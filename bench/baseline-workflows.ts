// P1's baseline: the smallest workflow with the shape of an order (three activities in a row),
// run by its own tiny worker on its own task queue against the same Temporal server.
import { proxyActivities } from '@temporalio/workflow';
import type { BaselineActivities } from './baseline-worker';

const { check, order, deliver } = proxyActivities<BaselineActivities>({
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3 },
});

export async function threeActivities(id: string): Promise<string> {
  await check(id);
  const ref = await order(id);
  return deliver(ref);
}
