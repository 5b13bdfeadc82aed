// Helpers for driving and observing fulfillOrder executions in integration tests.
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { expect } from 'vitest';
import {
  fulfillmentWorkflowId,
  reviewDecisionUpdate,
  statusQuery,
  type FulfillmentState,
  type FulfillmentStatus,
  type OrderDetails,
  type ReviewDecision,
} from '../../src/shared/contract';
import type { Stack } from './stack';
import { postWoo, wooOrder, type WooLine } from './woo';

/** The order details a storefront forwards for one paid PSN-US-50 at 52.99 (override any field). */
export const psnOrder = (over: Partial<OrderDetails> = {}): OrderDetails => ({
  channel: 'woocommerce',
  status: 'processing',
  paid: true,
  currency: 'USD',
  total: '52.99',
  riskFlags: [],
  lines: [{ lineNo: 1, sku: 'PSN-US-50', quantity: 1, unitPrice: '52.99' }],
  eventId: 'e1',
  ...over,
});

let nextOrderId = Math.floor(Date.now() / 1000) % 100_000;
export function newOrderId(): number {
  return ++nextOrderId * 10 + Math.floor(Math.random() * 10);
}

/** Posts a signed WooCommerce order and returns the workflow handle. */
export async function placeOrder(
  stack: Stack,
  lines: WooLine[],
  extra: Record<string, unknown> = {},
  id = newOrderId(),
) {
  const res = await postWoo(stack.apiUrl, 'demo', wooOrder(id, lines, extra));
  expect(res.status).toBe(202);
  const workflowId = fulfillmentWorkflowId('demo', String(id));
  return {
    id,
    workflowId,
    clientOrderId: (batch = 1) => `cb_demo_${id}_b${batch}`,
    handle: stack.env.client.workflow.getHandle(workflowId),
  };
}

export async function waitForState(
  stack: Stack,
  workflowId: string,
  states: FulfillmentState | FulfillmentState[],
  timeoutMs = 45_000,
  also: (s: FulfillmentStatus) => boolean = () => true,
): Promise<FulfillmentStatus> {
  const wanted = Array.isArray(states) ? states : [states];
  const handle = stack.env.client.workflow.getHandle(workflowId);
  const until = Date.now() + timeoutMs;
  let last: FulfillmentStatus | undefined;
  while (Date.now() < until) {
    try {
      last = await handle.query(statusQuery);
      if (wanted.includes(last.state) && also(last)) return last;
    } catch {
      // not started yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `${workflowId} did not reach ${wanted.join('|')} in ${timeoutMs} ms; last state ${last?.state}`,
  );
}

export async function decide(
  stack: Stack,
  workflowId: string,
  decision: ReviewDecision,
): Promise<FulfillmentStatus> {
  return stack.env.client.workflow
    .getHandle(workflowId)
    .executeUpdate(reviewDecisionUpdate, { args: [decision] });
}

/** The validator's rejection message, or throws if the update was accepted. */
export async function rejectedDecision(
  stack: Stack,
  workflowId: string,
  decision: ReviewDecision,
): Promise<string> {
  try {
    await decide(stack, workflowId, decision);
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) return String((err.cause as Error | undefined)?.message);
    throw err;
  }
  throw new Error('the decision was accepted');
}

export async function result(stack: Stack, workflowId: string): Promise<FulfillmentStatus> {
  return (await stack.env.client.workflow.getHandle(workflowId).result()) as FulfillmentStatus;
}

export const ordersCreated = (stack: Stack, clientOrderId: string) =>
  stack.sandbox.stats.byClientOrderId[clientOrderId] ?? 0;
