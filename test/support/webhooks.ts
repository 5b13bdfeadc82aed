// Senders for the API tests: real signatures computed here, the way each provider computes them,
// and questions to the Temporal server about whether a workflow was started or signalled.
import { createHmac } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { SignJWT } from 'jose';
import { fulfillmentWorkflowId, reviewDecisionUpdate, statusQuery } from '../../src/shared/contract';
import { heardBy } from '../../src/temporal/history';
import type { Stack } from './stack';

export interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

export async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string>,
): Promise<Reply> {
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

export function errorCode(reply: Reply): unknown {
  return (reply.body.error as { code?: unknown } | undefined)?.code;
}

// ---------------------------------------------------------------- Standard Webhooks

// Signing per the Standard Webhooks spec (standardwebhooks.com), as the official
// `standardwebhooks` npm library does it (the library itself is not a dependency yet): the key
// is the base64 after an optional `whsec_` prefix (a bare secret is base64 too), the signed
// content is `${webhook-id}.${webhook-timestamp}.${body}`, the header is space-separated
// `v1,<base64 HMAC-SHA256>` entries.
export const STANDARD_SECRET_OLD = 'whsec_dGVzdC1zdGFuZGFyZC1zZWNyZXQtMDAwMQ==';
export const STANDARD_SECRET_NEW = 'whsec_c2Vjb25kLXN0YW5kYXJkLXNlY3JldC0wMDAy';

export function standardSignature(secret: string, id: string, ts: number | string, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64')}`;
}

export function standardHeaders(
  body: string,
  opts: { id: string; secret?: string; ts?: number; signature?: string },
): Record<string, string> {
  const ts = opts.ts ?? Math.floor(Date.now() / 1000);
  return {
    'Content-Type': 'application/json',
    'webhook-id': opts.id,
    'webhook-timestamp': String(ts),
    'webhook-signature':
      opts.signature ?? standardSignature(opts.secret ?? STANDARD_SECRET_NEW, opts.id, ts, body),
  };
}

export function standardOrder(orderId: string, extra: Record<string, unknown> = {}) {
  return {
    type: 'order.created',
    timestamp: new Date().toISOString(),
    data: {
      orderId,
      status: 'processing',
      paid: true,
      currency: 'USD',
      total: '52.99',
      paymentMethod: 'card',
      customer: { email: `buyer-${orderId}@example.test` },
      riskFlags: [],
      lines: [{ sku: 'PSN-US-50', quantity: 1, unitPrice: '52.99', name: 'PSN $50' }],
      ...extra,
    },
  };
}

// ---------------------------------------------------------------- Pocketsflow

export const POCKETSFLOW_SECRET = 'test-pocketsflow-secret-0001';

export function pocketsflowBody(pfOrderId: string, wooOrderId: string | number) {
  return {
    id: pfOrderId,
    status: 'completed',
    amount: 52.99,
    currency: 'USD',
    metadata: { woocommerce_order_id: wooOrderId },
  };
}

export function pocketsflowHeaders(
  body: string,
  opts: { secret?: string; ts?: number; event?: string } = {},
): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    'X-Pocketsflow-Event': opts.event ?? 'order.completed',
    'X-Pocketsflow-Timestamp': String(opts.ts ?? Date.now()),
    'X-Pocketsflow-Signature': createHmac('sha256', opts.secret ?? POCKETSFLOW_SECRET)
      .update(body)
      .digest('hex'),
  };
}

// ---------------------------------------------------------------- Pay'nUp

export const PAYNUP_API_ID = '4260FE0E057F03060976';
export const PAYNUP_KEY_OLD = 'test-paynup-api-key-old-0001';
export const PAYNUP_KEY_NEW = 'test-paynup-api-key-new-0002';

export async function paynupToken(
  claims: Record<string, unknown>,
  opts: { key?: string; expSeconds?: number; iss?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(opts.iss ?? PAYNUP_API_ID)
    .setIssuedAt(now)
    .setExpirationTime(now + (opts.expSeconds ?? 3600))
    .sign(new TextEncoder().encode(opts.key ?? PAYNUP_KEY_NEW));
}

/** An HS256 token over any payload bytes (e.g. not JSON), signed correctly. */
export function rawHs256(payloadText: string, key = PAYNUP_KEY_NEW): string {
  const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64url');
  const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(payloadText)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

// ---------------------------------------------------------------- asking Temporal

/** True when the Temporal server has no execution with this id (nothing was started). */
export async function workflowAbsent(stack: Stack, workflowId: string): Promise<boolean> {
  try {
    await stack.env.client.workflow.getHandle(workflowId).describe();
    return false;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return true;
    throw err;
  }
}

/** Signals the workflow received by name (the event it was started with first), from its history. */
export async function signalsOf(stack: Stack, workflowId: string): Promise<string[]> {
  return (await heard(stack, workflowId)).map((h) => h.name);
}

/** What the workflow heard: the event it was started with (as its signal), then each signal. */
async function heard(stack: Stack, workflowId: string) {
  return heardBy(await settledHistory(stack, workflowId), stack.env.client.options.loadedDataConverter);
}

const { EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EVENT_TYPE_WORKFLOW_TASK_STARTED } =
  temporal.api.enums.v1.EventType;

/**
 * The history once no workflow task is in flight. A signal that arrives while a workflow task
 * runs is accepted at once but buffered by the server, and enters the history only when that
 * task completes: read too early, the history does not show it yet (seen under CI load).
 */
async function settledHistory(stack: Stack, workflowId: string) {
  const handle = stack.env.client.workflow.getHandle(workflowId);
  return waitFor(
    () => handle.fetchHistory(),
    (h) => {
      const last = h.events?.at(-1)?.eventType;
      return last !== EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && last !== EVENT_TYPE_WORKFLOW_TASK_STARTED;
    },
    10_000,
  );
}

/** The (decoded) argument of every `name` signal the workflow received, in order (the opening event first). */
export async function signalInputs<T>(stack: Stack, workflowId: string, name: string): Promise<T[]> {
  return (await heard(stack, workflowId)).filter((h) => h.name === name).map((h) => h.arg as T);
}

/** Signals that came through the API for an order (the supplier's callbacks left out). */
export async function apiSignals(stack: Stack, workflowId: string): Promise<string[]> {
  return (await signalsOf(stack, workflowId)).filter((s) => s !== 'supplierCallback');
}

/** Every execution the server knows in this namespace (visibility; polled until stable). */
export async function allWorkflowIds(stack: Stack): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of stack.env.client.workflow.list()) ids.push(wf.workflowId);
  return ids;
}

export async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    v = await fn();
  }
  return v;
}

/**
 * A Standard Webhooks order whose workflow closes cancelled without delivering anything (an
 * unmapped SKU holds it for review; ops cancel it). For "payment after close" cases.
 */
export async function cancelledOrder(
  stack: Stack,
  orderId: string,
  secret = STANDARD_SECRET_NEW,
): Promise<string> {
  const body = JSON.stringify(
    standardOrder(orderId, { lines: [{ sku: 'PSN-XX-99', quantity: 1, unitPrice: '52.99' }] }),
  );
  const res = await post(
    `${stack.apiUrl}/webhooks/standard/demo`,
    body,
    standardHeaders(body, { id: `c_${orderId}`, secret }),
  );
  if (res.status !== 202) throw new Error(`order not accepted: ${res.status}`);
  const handle = stack.env.client.workflow.getHandle(fulfillmentWorkflowId('demo', orderId));
  await waitFor(
    async () => (await handle.query(statusQuery).catch(() => undefined))?.state,
    (s) => s === 'in_review',
  );
  await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'test' }] });
  await handle.result();
  return handle.workflowId;
}
