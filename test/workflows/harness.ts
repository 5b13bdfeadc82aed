// The fast workflow test layer's harness: one local dev server per test file (useWorkflowEnv)
// and the run's workflow bundle, in-memory fake activities that record every call, and a worker on
// its own task queue per test.
import { randomBytes } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import type { Activities } from '../../src/activities';
import type { EventRow } from '../../src/activities/order-rows';
import {
  fulfillmentWorkflowId,
  statusQuery,
  supplierClientOrderId,
  supplierIdempotencyKey,
  type FulfillmentState,
  type FulfillmentStatus,
  type FulfillmentTimeouts,
  type OrderDetails,
  type SupplierOrderReport,
} from '../../src/shared/contract';
import {
  DEFAULT_STORE_SETTINGS,
  type Catalog,
  type SkuMappingView,
  type StoreSettings,
} from '../../src/shared/eligibility';
import type { fulfillOrder } from '../../src/workflows';
import { devServerFlags, temporalCli } from '../../scripts/lib/temporal';
import { workflowBundlePath } from '../support/run-assets';

export const STORE = 'demo';
export const TIMEOUTS: FulfillmentTimeouts = {
  paymentWaitMs: 1_000,
  supplierWebhookWaitMs: 300,
  supplierMaxWaitMs: 1_000,
  reviewReminderMs: 60_000,
  supplierCallTimeoutMs: 5_000,
};

let env: TestWorkflowEnvironment;

/** The file's Temporal environment (started by useWorkflowEnv's beforeAll). */
export const testEnv = () => env;

/** Registers the file's beforeAll/afterAll: a local dev server. */
export function useWorkflowEnv(): void {
  beforeAll(async () => {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'existing-path', path: temporalCli() }, extraArgs: devServerFlags() },
    });
  });
  afterAll(async () => {
    await env?.teardown();
  });
}

// ------------------------------------------------------------------ fakes

export type Call = { name: string; input: Record<string, unknown> };
export type ReportLine = { product: string; quantity: number; codes?: number };
export type MakeReport = (
  batch: number,
  state: SupplierOrderReport['state'],
  lines: ReportLine[],
) => SupplierOrderReport;

export interface Script {
  settings?: Partial<StoreSettings>;
  /** The supplier's answer to placing batch n (1-based); default: delivered in full. */
  place?: (batch: number, lines: ReportLine[], report: MakeReport, supplier?: string) => SupplierOrderReport;
  /** Overrides of the PSN-US-10 mapping (routes, poolMode, ...). */
  mapping?: Partial<SkuMappingView>;
  /** Codes in the fake pool (default 0). */
  pool?: number;
  /** What a lookup answers for a batch never placed (default null: the supplier has no such batch). */
  lookup?: (clientOrderId: string, supplier?: string) => SupplierOrderReport | null;
  redemption?: 'used' | 'unused' | 'unknown';
}

/** The activities fulfillOrder calls, in memory; every call is recorded in order. */
export function fakeActivities(orderId: string, script: Script = {}) {
  const calls: Call[] = [];
  const placed = new Map<string, SupplierOrderReport>();
  let codeNo = 0;
  let poolLeft = script.pool ?? 0;
  let catalogReads = 0;
  const events: EventRow[] = [];
  const notices: { workflowId: string; template: string; dedupeKey: string }[] = [];
  const states: string[] = [];
  const catalog = (): Catalog => ({
    settings: { ...DEFAULT_STORE_SETTINGS, ...script.settings },
    mappings: {
      'PSN-US-10': {
        sku: 'PSN-US-10',
        version: 1,
        supplierProduct: 'psn-us-10',
        region: 'US',
        currency: 'USD',
        denomination: '10.00',
        price: '10.99',
        skuGroup: 'psn',
        ...script.mapping,
      },
    },
  });
  const record = (name: keyof Activities, input: object) =>
    calls.push({ name, input: input as Record<string, unknown> });
  const report: MakeReport = (batch, state, lines) => ({
    supplierOrderId: `sup-${orderId}-${batch}`,
    clientOrderId: supplierClientOrderId(STORE, orderId, batch),
    state,
    lines: lines.map((l) => {
      const n = l.codes ?? l.quantity;
      return {
        product: l.product,
        quantity: l.quantity,
        codes: Array.from({ length: n }, () => ({ code: `CODE-${++codeNo}` })),
        failed: l.quantity - n,
      };
    }),
    updatedAt: new Date(Date.now() + batch).toISOString(),
  });
  const activities: Partial<Activities> = {
    async recordOrder(input) {
      record('recordOrder', input);
      if (!input.withCatalog) return undefined;
      catalogReads++;
      return catalog();
    },
    async loadCatalog(input): Promise<Catalog> {
      record('loadCatalog', input);
      catalogReads++;
      return catalog();
    },
    async recordEvent(input) {
      record('recordEvent', input);
      events.push(input);
    },
    async recordEvents(input) {
      record('recordEvents', input);
      events.push(...input.events);
    },
    async recordOrderState(input) {
      record('recordOrderState', input);
      states.push(input.state);
    },
    async storeCodes(input) {
      record('storeCodes', { ...input, codes: input.codes.length });
      return input.codes.map((c) => `****${c.code.slice(-2)}`);
    },
    async openReviewCase(input) {
      record('openReviewCase', { ...input, reasons: input.reasons.map((r) => r.code) });
    },
    async remindReview(input) {
      record('remindReview', input);
    },
    async closeReviewCase(input) {
      record('closeReviewCase', { action: input.decision.action, by: input.decision.by });
    },
    async placeSupplierOrder(input) {
      record('placeSupplierOrder', input);
      const batch = Number(/_b(\d+)$/.exec(input.clientOrderId)?.[1]);
      const place =
        script.place ?? ((n: number, lines: ReportLine[], make: MakeReport) => make(n, 'delivered', lines));
      const answer = place(batch, input.lines, report, input.supplier);
      placed.set(input.clientOrderId, answer);
      events.push(...(input.events ?? []));
      return answer;
    },
    async lookupSupplierOrder(input) {
      record('lookupSupplierOrder', input);
      // the batch as the supplier last answered
      return placed.get(input.clientOrderId) ?? script.lookup?.(input.clientOrderId, input.supplier) ?? null;
    },
    async reservePoolCodes(input) {
      record('reservePoolCodes', input);
      const n = Math.min(input.count, poolLeft);
      poolLeft -= n;
      return {
        codes: Array.from({ length: n }, () => ({ code: `POOL-${++codeNo}` })),
        masked: Array.from({ length: n }, () => '****'),
      };
    },
    async checkSupplierBalance(input) {
      record('checkSupplierBalance', input);
      return { amount: '1000.00', currency: 'USD', low: false };
    },
    async checkRedemption(input) {
      record('checkRedemption', input);
      return { state: script.redemption ?? 'unused' };
    },
    async notifyCustomer(input) {
      record('notifyCustomer', input);
      notices.push(input);
    },
    async deliverOrder(input) {
      record('deliverOrder', { ...input, events: input.events.map((e) => e.type) });
      notices.push({ workflowId: input.workflowId, template: 'delivered', dedupeKey: input.dedupeKey });
      events.push(...input.events);
      states.push('delivered');
    },
    async updateStorefront(input) {
      record('updateStorefront', input);
    },
    async refundPayment(input) {
      record('refundPayment', input);
    },
  };
  const named = (name: keyof Activities) => calls.filter((c) => c.name === name).map((c) => c.input);
  return {
    activities,
    calls,
    named,
    report,
    placed,
    /** Event rows written, whichever activity carried them. */
    events: () => [...events],
    /** Customer notices sent (the delivered one comes with deliverOrder). */
    notices: () => [...notices],
    /** Final states written on the order row. */
    states: () => [...states],
    catalogReads: () => catalogReads,
  };
}

// ------------------------------------------------------------------ helpers

export function details(over: Partial<OrderDetails> = {}): OrderDetails {
  return {
    channel: 'standard',
    status: 'processing',
    paid: true,
    currency: 'USD',
    total: '21.98',
    riskFlags: [],
    lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 2, unitPrice: '10.99' }],
    eventId: `evt-${randomBytes(4).toString('hex')}`,
    ...over,
  };
}

export interface Run {
  handle: WorkflowHandle<typeof fulfillOrder>;
  workflowId: string;
  orderId: string;
}

/** A worker on its own task queue with the fakes; `body` runs while it polls. */
export async function withWorker<T>(
  activities: Partial<Activities>,
  orderId: string,
  body: (run: Run) => Promise<T>,
  timeouts: Partial<FulfillmentTimeouts> = {},
): Promise<T> {
  const taskQueue = `wf-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: workflowBundlePath() },
    activities,
  });
  const workflowId = fulfillmentWorkflowId(STORE, orderId);
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof fulfillOrder>('fulfillOrder', {
      workflowId,
      taskQueue,
      args: [{ storeId: STORE, orderId, timeouts: { ...TIMEOUTS, ...timeouts } }],
    });
    return body({ handle, workflowId, orderId });
  });
}

export async function waitForState(
  handle: WorkflowHandle,
  state: FulfillmentState,
  timeoutMs = 15_000,
): Promise<FulfillmentStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (status.state === state) return status;
    if (Date.now() > until) throw new Error(`still ${status.state}, never ${state}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const newOrderId = () => `wf-${randomBytes(5).toString('hex')}`;
export const codes = (s: FulfillmentStatus) => s.reasons.map((r) => r.code);
export const key = (orderId: string, batch: number) => supplierIdempotencyKey(STORE, orderId, batch);

export async function waitFor(
  handle: WorkflowHandle,
  ok: (s: FulfillmentStatus) => boolean,
  timeoutMs = 15_000,
): Promise<FulfillmentStatus> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const status = await handle.query(statusQuery);
    if (ok(status)) return status;
    if (Date.now() > until)
      throw new Error(`gave up waiting; last state ${status.state} ${codes(status).join(',')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
