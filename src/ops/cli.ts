// `npm run ops -- <command>`: the support team's tool for stuck orders (docs/runbook.md).
// Thin on purpose: parse arguments, make one or two Temporal / database calls, print.
// Exit codes: 0 done, 1 the operation failed or was refused, 2 bad usage.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionDescription,
} from '@temporalio/client';
import { databaseUrl, loadConfig, loadEnvFile, type Config } from '../config';
import { createDb, type Db } from '../db/client';
import { createCodeVault } from '../codes/vault';
import { createConfiguredNotifier } from '../notify/email';
import type { NoticeTemplate } from '../notify/notifier';
import { createLogger } from '../observability/logger';
import {
  fulfillmentWorkflowId,
  ORDER_ID,
  reviewDecisionUpdate,
  statusQuery,
  STORE_ID,
  type FulfillmentStatus,
  type ReviewAction,
  type ReviewDecision,
} from '../shared/contract';
import { RECONCILE_WORKFLOW_TYPE, isDay, previousUtcDay, type ReconcileReport } from '../shared/reconcile';
import { connectClient } from '../temporal/connection';
import { stuckQuery } from './queries';
import { ACTIONS } from '../api/admin/decision-form';
import { describeImport, poolImport, POOL_USAGE } from './pool-import';
import { readStdin, storeCommand, StoreUsageError, STORE_USAGE } from './store-command';
import { StoreError } from '../stores/service';
import { userCommand, UserUsageError, USER_USAGE } from './user-command';
import { UserError } from '../users/users';
import { catalogCommand, CatalogUsageError, CATALOG_USAGE } from './catalog-command';
import { CatalogError } from '../catalog/catalog';
import {
  ensureAlertSchedule,
  ensureReconcileSchedule,
  ensureSweepSchedules,
  sweepableStores,
} from './schedule';

const USAGE = `usage: npm run ops -- <command> [options]

  stuck     [--store S] [--region R] [--sku SKU] [--reason CODE]   orders in review or waiting past their deadline
  show      <order>                                                status, history summary and database events
  decide    <order> --action retry|markDelivered|refund|cancel --by NAME [--note TEXT] [--codes-file FILE]
  replay    <order> --by NAME [--note TEXT]                        retry a held order, or re-run a failed execution
  notify    <order> --template delivered|processing|review|refunded|cancelled --by NAME
  reconcile [--date YYYY-MM-DD]                                    run the daily reconciliation now (default: yesterday, UTC)
  schedule                                                         create or update the Schedules (reconcile, sweeps, alerts)
  alerts    [--all]                                                alerts still open (--all: the last 100, cleared ones too)
${POOL_USAGE}
${STORE_USAGE}
${USER_USAGE}
${CATALOG_USAGE}

<order> is a workflow id (fulfill:demo:1042) or store:order (demo:1042).
Every command takes --json for scripts. Exit codes: 0 done, 1 failed or refused, 2 bad usage.`;

class UsageError extends Error {}
class Refused extends Error {}

interface Ctx {
  config: Config;
  client: () => Promise<Client>;
  db: () => Db;
  json: boolean;
  out: (human: string, data: unknown) => void;
}

type Options = Record<string, string | boolean | undefined>;

function orderArg(positionals: string[]): string {
  const arg = positionals[1];
  if (!arg)
    throw new UsageError('name the order: a workflow id (fulfill:demo:1042) or store:order (demo:1042)');
  const m = /^(?:fulfill:)?([^:]+):(.+)$/.exec(arg);
  if (!m) throw new UsageError(`"${arg}" is neither a workflow id nor store:order`);
  const [, store, order] = m as unknown as [string, string, string];
  if (!STORE_ID.test(store))
    throw new UsageError(`"${store}" is not a store id (lowercase letters, digits and "-"; no "_")`);
  if (!ORDER_ID.test(order)) throw new UsageError(`"${order}" is not an order id`);
  return fulfillmentWorkflowId(store, order);
}

function need(opts: Options, name: string): string {
  const v = opts[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${name} is required`);
  return v;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function table(rows: string[][]): string {
  if (!rows.length) return '';
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function age(from: Date | undefined, now = Date.now()): string {
  if (!from) return '-';
  const s = Math.max(0, Math.round((now - from.getTime()) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}

function sa(desc: { searchAttributes?: Record<string, unknown> }, name: string): string {
  const v = desc.searchAttributes?.[name];
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list.map((x) => (x instanceof Date ? x.toISOString() : String(x))).join(',');
}

async function describe(client: Client, workflowId: string): Promise<WorkflowExecutionDescription> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new Refused(`no workflow ${workflowId}`);
    throw err;
  }
}

async function queryStatus(client: Client, workflowId: string): Promise<FulfillmentStatus | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query(statusQuery);
  } catch {
    return undefined; // no worker to answer, or a run that failed before it could
  }
}

function storeOpt(v: string | boolean | undefined): string | undefined {
  const store = str(v);
  if (store !== undefined && !STORE_ID.test(store))
    throw new UsageError(`--store "${store}" is not a store id (lowercase letters, digits and "-"; no "_")`);
  return store;
}

// ------------------------------------------------------------------ commands

async function stuck(ctx: Ctx, opts: Options) {
  const client = await ctx.client();
  const now = new Date();
  const query = stuckQuery(now, {
    store: storeOpt(opts.store),
    region: str(opts.region),
    sku: str(opts.sku),
    reason: str(opts.reason),
  });
  const orders = [];
  for await (const wf of client.workflow.list({ query })) {
    orders.push({
      workflowId: wf.workflowId,
      status: sa(wf, 'CardbridgeStatus'),
      store: sa(wf, 'CardbridgeStore'),
      region: sa(wf, 'CardbridgeRegion'),
      skus: sa(wf, 'CardbridgeSkus'),
      reason: sa(wf, 'CardbridgeReason'),
      deadline: sa(wf, 'CardbridgeDeadline'),
      startedAt: wf.startTime.toISOString(),
      age: age(wf.startTime, now.getTime()),
      pastDeadline:
        !!sa(wf, 'CardbridgeDeadline') && Date.parse(sa(wf, 'CardbridgeDeadline')) < now.getTime(),
    });
  }
  // Money no workflow can take any more (a payment after the order closed, or for an order never
  // received): the API records these as open review cases; their workflows are closed.
  const store = storeOpt(opts.store);
  const late = await ctx.db().reviewCase.findMany({
    where: {
      status: 'open',
      reasonCode: { in: ['PAYMENT_AFTER_CLOSE', 'ORDER_MISSING'] },
      ...(store ? { order: { storeId: store } } : {}),
    },
    include: { order: true },
    orderBy: { createdAt: 'asc' },
    take: 200,
  });
  const latePayments = late.map((c) => ({
    workflowId: c.workflowId,
    status: c.order.status,
    reason: c.reasonCode,
    message: c.reason,
    since: c.createdAt.toISOString(),
    age: age(c.createdAt, now.getTime()),
  }));
  const lateHuman = latePayments.length
    ? '\n\nPayments no workflow can take (refund or fulfil by hand):\n' +
      table([
        ['WORKFLOW', 'STATUS', 'REASON', 'AGE'],
        ...latePayments.map((p) => [p.workflowId, p.status, p.reason, p.age]),
      ])
    : '';
  const human =
    (orders.length
      ? table([
          ['WORKFLOW', 'STATUS', 'REASON', 'REGION', 'SKUS', 'AGE', 'DEADLINE'],
          ...orders.map((o) => [
            o.workflowId,
            o.status,
            o.reason || '-',
            o.region || '-',
            o.skus || '-',
            o.age,
            o.deadline
              ? `${o.deadline}${o.pastDeadline && o.status !== 'in_review' ? ' (passed)' : ''}`
              : '-',
          ]),
        ]) + `\n${orders.length} stuck order(s). Inspect one: npm run ops -- show <workflow>`
      : 'No stuck orders.') + lateHuman;
  // A store whose webhook WooCommerce switched off sends nothing: only the sweep brings its orders.
  const sweeps = await ctx.db().storefrontSweep.findMany({ orderBy: { storeId: 'asc' } });
  const alerts = sweeps
    .filter((s) => (s.webhookStatus && s.webhookStatus !== 'active') || s.lastError)
    .map((s) =>
      s.lastError
        ? `ALERT store ${s.storeId}: the last recovery sweep failed (${s.lastError}).`
        : `ALERT store ${s.storeId}: its WooCommerce webhook to cardbridge is ${s.webhookStatus}; orders arrive only through the sweep. Re-activate it: WooCommerce → Settings → Advanced → Webhooks → Status "Active" (or PUT /wp-json/wc/v3/webhooks/<id> {"status":"active"}).`,
    );
  ctx.out([...alerts, human].join('\n'), {
    query,
    orders,
    latePayments,
    storefronts: sweeps.map((s) => ({
      storeId: s.storeId,
      webhookStatus: s.webhookStatus,
      webhookCheckedAt: s.webhookCheckedAt?.toISOString(),
      lastSweepAt: s.lastRunAt?.toISOString(),
      lastSweepError: s.lastError,
      recoveredBySweep: s.recovered,
    })),
  });
}

async function show(ctx: Ctx, workflowId: string) {
  const client = await ctx.client();
  const desc = await describe(client, workflowId);
  const status = await queryStatus(client, workflowId);
  const order = await ctx.db().order.findUnique({
    where: { workflowId },
    include: {
      lines: { orderBy: { lineNo: 'asc' } },
      events: { orderBy: { id: 'asc' }, take: 200 },
      reviews: { orderBy: { createdAt: 'asc' } },
      notifications: { orderBy: { id: 'asc' } },
    },
  });
  const data = {
    workflowId,
    runId: desc.runId,
    execution: desc.status.name,
    startedAt: desc.startTime.toISOString(),
    closedAt: desc.closeTime?.toISOString(),
    historyLength: desc.historyLength,
    searchAttributes: desc.searchAttributes,
    status,
    order: order && {
      store: order.storeId,
      orderId: order.externalOrderId,
      status: order.status,
      channel: order.channel,
      total: order.total.toFixed(2),
      currency: order.currency,
      customerEmail: order.customerEmail,
      lines: order.lines.map((l) => ({
        lineNo: l.lineNo,
        sku: l.sku,
        quantity: l.quantity,
        delivered: l.delivered,
        status: l.status,
      })),
    },
    events: (order?.events ?? []).map((e) => ({
      at: e.createdAt.toISOString(),
      type: e.type,
      status: e.status,
      lineNo: e.lineNo,
      details: e.details,
    })),
    reviewCases: (order?.reviews ?? []).map((r) => ({
      id: r.id,
      status: r.status,
      reasonCode: r.reasonCode,
      reason: r.reason,
      decision: r.decision,
      decidedBy: r.decidedBy,
      openedAt: r.createdAt.toISOString(),
    })),
    notifications: (order?.notifications ?? []).map((n) => ({
      // email = the customer's message; storefront = the note/status written back to the store.
      channel: n.channel,
      template: n.template,
      status: n.status,
      at: n.sentAt.toISOString(),
      requestedBy: n.requestedBy ?? undefined,
    })),
  };
  const lines: string[] = [
    `${workflowId}  ${desc.status.name}  (run ${desc.runId}, ${desc.historyLength} events, started ${age(desc.startTime)} ago)`,
  ];
  if (status) {
    lines.push(
      `state     ${status.state}${status.nextDeadline ? `  (next deadline ${status.nextDeadline})` : ''}`,
    );
    for (const r of status.reasons) lines.push(`reason    ${r.code}: ${r.message}`);
    for (const l of status.lines)
      lines.push(
        `line ${l.lineNo}    ${l.sku} x${l.quantity}  ${l.state}  delivered ${l.delivered}${l.region ? `  region ${l.region}` : ''}${l.masked.length ? `  ${l.masked.join(' ')}` : ''}`,
      );
    for (const b of status.batches)
      lines.push(
        `batch ${b.batch}   ${b.clientOrderId}  ${b.state}${b.supplierOrderId ? `  supplier ${b.supplierOrderId}` : ''}`,
      );
    for (const d of status.decisions)
      lines.push(`decision  ${d.action} by ${d.by} at ${d.at}${d.note ? ` (${d.note})` : ''}`);
  } else {
    lines.push(`state     (status query not answered) ${sa(desc, 'CardbridgeStatus') || ''}`.trimEnd());
  }
  if (order) {
    lines.push(
      `order     ${order.storeId}/${order.externalOrderId}  ${order.total.toFixed(2)} ${order.currency}  ${order.channel}  db status ${order.status}`,
    );
    if (data.events.length) lines.push('events:');
    for (const e of data.events)
      lines.push(`  ${e.at}  ${e.type}  ${e.status}${e.lineNo ? `  line ${e.lineNo}` : ''}`);
    for (const r of data.reviewCases)
      lines.push(
        `review    ${r.status}  ${r.reasonCode}: ${r.reason}${r.decision ? `  -> ${r.decision} by ${r.decidedBy}` : ''}`,
      );
    for (const n of data.notifications)
      lines.push(
        `notice    ${n.channel.padEnd(10)} ${n.template}  ${n.status}  ${n.at}${n.requestedBy ? `  (requested by ${n.requestedBy})` : ''}`,
      );
  } else {
    lines.push('order     not recorded in the database (no paid order details yet)');
  }
  ctx.out(lines.join('\n'), data);
}

async function decide(ctx: Ctx, workflowId: string, opts: Options) {
  const action = need(opts, 'action') as ReviewAction;
  if (!ACTIONS.includes(action)) throw new UsageError(`--action is one of ${ACTIONS.join(', ')}`);
  const decision: ReviewDecision = { action, by: need(opts, 'by'), note: str(opts.note) };
  const codesFile = str(opts['codes-file']);
  if (codesFile) decision.codes = JSON.parse(readFileSync(codesFile, 'utf8')) as ReviewDecision['codes'];
  const client = await ctx.client();
  await describe(client, workflowId);
  let status: FulfillmentStatus;
  try {
    status = await client.workflow
      .getHandle(workflowId)
      .executeUpdate(reviewDecisionUpdate, { args: [decision] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      throw new Refused(`decision rejected: ${err.cause?.message ?? err.message}`);
    }
    if (err instanceof WorkflowNotFoundError)
      throw new Refused(`${workflowId} is not running; nothing to decide`);
    throw err;
  }
  ctx.out(`${workflowId}: ${action} accepted (by ${decision.by}); the order is now ${status.state}.`, {
    workflowId,
    accepted: true,
    decision: {
      ...decision,
      codes: decision.codes?.map((c) => ({ lineNo: c.lineNo, count: c.codes.length })),
    },
    state: status.state,
  });
}

/**
 * Replay a failed fulfillment:
 * - running and held for review → the `retry` review decision (same as `decide --action retry`);
 * - closed as Failed, Terminated, TimedOut or Canceled (the execution itself broke: a bug, a
 *   worker crash loop, an operator's terminate) → a reset to its first workflow task, which
 *   starts a new run with the same workflow id and the same order details and re-applies the
 *   signals received since. Supplier orders use deterministic idempotency keys per batch, so a
 *   re-run asks the supplier for the same batch and never buys twice.
 * - closed as Completed (delivered, refunded, cancelled, not paid, skipped) → refused.
 */
async function replay(ctx: Ctx, workflowId: string, opts: Options) {
  const by = need(opts, 'by');
  const client = await ctx.client();
  const desc = await describe(client, workflowId);
  if (desc.status.name === 'RUNNING') {
    const status = await queryStatus(client, workflowId);
    if (status?.state !== 'in_review')
      throw new Refused(
        `${workflowId} is running (${status?.state ?? sa(desc, 'CardbridgeStatus')}), not held; nothing to replay`,
      );
    return decide(ctx, workflowId, { ...opts, action: 'retry', by, note: str(opts.note) ?? 'replay' });
  }
  if (desc.status.name === 'COMPLETED' || desc.status.name === 'CONTINUED_AS_NEW') {
    throw new Refused(
      `${workflowId} finished (${sa(desc, 'CardbridgeStatus') || desc.status.name}); a finished order is not replayed. A customer who still needs codes gets a new storefront order.`,
    );
  }
  let eventId: number | undefined;
  const history = await client.workflow.getHandle(workflowId, desc.runId).fetchHistory();
  // temporal.api.enums.v1.EventType: WORKFLOW_TASK_SCHEDULED = 5, WORKFLOW_TASK_COMPLETED = 7.
  const E = { EVENT_TYPE_WORKFLOW_TASK_SCHEDULED: 5, EVENT_TYPE_WORKFLOW_TASK_COMPLETED: 7 };
  for (const e of history.events ?? []) {
    if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
      eventId = Number(e.eventId);
      break;
    }
    if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && eventId === undefined)
      eventId = Number(e.eventId) + 1;
  }
  if (eventId === undefined) throw new Refused(`${workflowId} has no workflow task to reset to`);
  type ResetRequest = Parameters<Client['workflowService']['resetWorkflowExecution']>[0];
  const request: ResetRequest = {
    namespace: ctx.config.temporal.namespace,
    workflowExecution: { workflowId, runId: desc.runId },
    reason: `ops replay by ${by}${str(opts.note) ? `: ${str(opts.note)}` : ''}`,
    // int64 on the wire; protobufjs encodes a plain number.
    workflowTaskFinishEventId: eventId as unknown as ResetRequest['workflowTaskFinishEventId'],
    requestId: randomUUID(),
  };
  const res = (await client.workflowService.resetWorkflowExecution(request)) as { runId?: string | null };
  ctx.out(
    `${workflowId}: ${desc.status.name.toLowerCase()} run ${desc.runId} reset to its first workflow task; new run ${res.runId}.`,
    { workflowId, previousRunId: desc.runId, previousExecution: desc.status.name, runId: res.runId, by },
  );
}

async function notify(ctx: Ctx, workflowId: string, opts: Options) {
  const template = need(opts, 'template') as NoticeTemplate;
  if (!['processing', 'review', 'delivered', 'refunded', 'cancelled'].includes(template))
    throw new UsageError('--template is one of delivered, processing, review, refunded, cancelled');
  const by = need(opts, 'by');
  const db = ctx.db();
  const order = await db.order.findUnique({ where: { workflowId } });
  if (!order) throw new Refused(`no order recorded for ${workflowId}`);
  if (template === 'delivered' && order.status !== 'delivered')
    throw new Refused(`${workflowId} is ${order.status}, not delivered; there is no delivery to resend`);
  const logger = createLogger({ level: 'warn', name: 'ops' });
  // The same notifier the worker uses: SMTP when SMTP_URL is set (codes decrypted only here).
  const notifier = createConfiguredNotifier({
    config: ctx.config,
    db,
    vault: createCodeVault(
      ctx.config.codes.keys,
      ctx.config.codes.activeKeyId,
      ctx.config.codes.fingerprintKey,
    ),
    logger,
  });
  const dedupeKey = `${workflowId}/${template}/resend/${new Date().toISOString()}`;
  await notifier.notify({ order, template, dedupeKey });
  const recipient = maskEmail(order.customerEmail);
  ctx.out(`${workflowId}: "${template}" notice sent again to ${recipient} (by ${by}).`, {
    workflowId,
    template,
    recipient,
    dedupeKey,
    by,
  });
}

/** "buyer@example.com" -> "b****@example.com": enough for support to recognise, not to leak. */
function maskEmail(email: string | null): string {
  if (!email) return '(no email on the order)';
  const [user = '', domain = ''] = email.split('@');
  return `${user.slice(0, 1)}****@${domain}`;
}

async function reconcile(ctx: Ctx, opts: Options) {
  const date = str(opts.date) ?? previousUtcDay(Date.now());
  if (!isDay(date)) throw new UsageError('--date is a day like 2025-01-31');
  const client = await ctx.client();
  const report = await client.workflow.execute<(input: { date?: string }) => Promise<ReconcileReport>>(
    RECONCILE_WORKFLOW_TYPE,
    {
      workflowId: `reconcile:${date}:ops:${Date.now()}`,
      taskQueue: ctx.config.temporal.taskQueue,
      args: [{ date }],
      workflowExecutionTimeout: '1h',
    },
  );
  const lines = [
    `reconciliation ${report.date}: ${report.supplierOrders} supplier order(s), ${report.matched} matched to ${report.orders} order(s)`,
    ...report.findings.map(
      (f) => `  ${f.kind.padEnd(16)} ${f.workflowId ?? f.clientOrderId ?? ''}  ${f.message}`,
    ),
    `delivered (missed webhooks): ${report.delivered.length ? report.delivered.join(', ') : 'none'}`,
    `review cases: ${report.reviewCases.length}`,
    report.balance
      ? `supplier balance: ${report.balance.amount} ${report.balance.currency} (low-water ${report.balance.lowWater})${report.balance.low ? '  LOW' : ''}`
      : '',
  ].filter(Boolean);
  ctx.out(lines.join('\n'), report);
}

async function schedule(ctx: Ctx) {
  const client = await ctx.client();
  const taskQueue = ctx.config.temporal.taskQueue;
  const res = await ensureReconcileSchedule(client, { taskQueue });
  const stores = await sweepableStores(
    ctx.db(),
    ctx.config.storefronts.credentials,
    ctx.config.storefronts.sweepIntervalMs,
  );
  const sweeps = await ensureSweepSchedules(client, { taskQueue, stores });
  const alerts = await ensureAlertSchedule(client, {
    taskQueue,
    intervalMs: ctx.config.alerts.scanIntervalMs,
  });
  ctx.out(
    [
      `schedule ${res.scheduleId} ${res.created ? 'created' : 'updated'}: reconcileDay daily at 02:00 UTC on ${taskQueue}.`,
      ...sweeps.map(
        (s, i) =>
          `schedule ${s.scheduleId} ${s.created ? 'created' : 'updated'}: sweepStore every ${Math.round(stores[i]!.intervalMs / 1000)}s on ${taskQueue}.`,
      ),
      stores.length ? '' : 'no store has storefront REST credentials: no recovery sweep scheduled.',
      `schedule ${alerts.scheduleId} ${alerts.created ? 'created' : 'updated'}: watchAlerts every ${Math.round(ctx.config.alerts.scanIntervalMs / 1000)}s on ${taskQueue}.`,
    ]
      .filter(Boolean)
      .join('\n'),
    { ...res, sweeps, alerts },
  );
}

async function alerts(ctx: Ctx, opts: Options) {
  const rows = await ctx.db().alert.findMany({
    where: opts.all ? {} : { resolvedAt: null, kind: { not: 'rate_limited' } },
    orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
    take: 100,
  });
  const data = rows.map((a) => ({
    id: a.id.toString(),
    kind: a.kind,
    subject: a.subject,
    status: a.status,
    firstSeenAt: a.firstSeenAt.toISOString(),
    resolvedAt: a.resolvedAt?.toISOString() ?? null,
    sentAt: a.sentAt?.toISOString() ?? null,
    lastError: a.lastError,
    message: a.message,
    link: a.link,
  }));
  ctx.out(
    rows.length
      ? table([
          ['KIND', 'STATUS', 'AGE', 'CLEARED', 'SUBJECT', 'LINK'],
          ...rows.map((a) => [
            a.kind,
            a.status,
            age(a.firstSeenAt),
            a.resolvedAt ? age(a.resolvedAt) + ' ago' : '-',
            a.subject,
            a.link,
          ]),
        ])
      : 'No open alerts.',
    data,
  );
}

// ------------------------------------------------------------------ main

export async function main(
  argv: string[],
  io: { stdin?: () => Promise<string>; write?: (text: string) => void } = {},
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        store: { type: 'string' },
        region: { type: 'string' },
        sku: { type: 'string' },
        reason: { type: 'string' },
        action: { type: 'string' },
        by: { type: 'string' },
        note: { type: 'string' },
        'codes-file': { type: 'string' },
        template: { type: 'string' },
        date: { type: 'string' },
        name: { type: 'string' },
        platform: { type: 'string' },
        url: { type: 'string' },
        'payment-methods': { type: 'string' },
        tolerance: { type: 'string' },
        regions: { type: 'string' },
        'sku-prefixes': { type: 'string' },
        'api-id': { type: 'string' },
        kind: { type: 'string' },
        role: { type: 'string' },
        'dry-run': { type: 'boolean' },
        all: { type: 'boolean' },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values: opts, positionals } = parsed;
  const command = positionals[0];
  if (opts.help || !command) {
    console.log(USAGE);
    return command || opts.help ? 0 : 2;
  }
  const json = !!opts.json;
  let client: Client | undefined;
  let db: Db | undefined;
  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const ctx: Ctx = {
    config,
    json,
    client: async () => (client ??= await connectClient(config)),
    db: () => (db ??= createDb(databaseUrl(config))),
    out: (human, data) => console.log(json ? JSON.stringify(data, null, 2) : human),
  };
  try {
    switch (command) {
      case 'stuck':
        await stuck(ctx, opts);
        break;
      case 'show':
        await show(ctx, orderArg(positionals));
        break;
      case 'decide':
        await decide(ctx, orderArg(positionals), opts);
        break;
      case 'replay':
        await replay(ctx, orderArg(positionals), opts);
        break;
      case 'notify':
        await notify(ctx, orderArg(positionals), opts);
        break;
      case 'reconcile':
        await reconcile(ctx, opts);
        break;
      case 'schedule':
        await schedule(ctx);
        break;
      case 'alerts':
        await alerts(ctx, opts);
        break;
      case 'pool': {
        if (positionals[1] !== 'import' || !positionals[2])
          throw new UsageError('usage: pool import <file.csv> --by NAME');
        const r = await poolImport(ctx.db(), ctx.config, {
          file: positionals[2],
          by: need(opts, 'by'),
          store: storeOpt(opts.store),
        });
        ctx.out(describeImport(r), r);
        break;
      }
      case 'store':
        await storeCommand(
          { ...ctx, stdin: io.stdin ?? readStdin },
          positionals,
          opts,
          str(opts.by) ?? `cli:${userInfo().username}`,
        );
        break;
      case 'catalog':
        await catalogCommand(
          { ...ctx, stdin: io.stdin ?? readStdin, write: io.write ?? ((t) => void process.stdout.write(t)) },
          positionals,
          opts,
        );
        break;
      case 'user':
        await userCommand(
          { ...ctx, stdin: io.stdin ?? readStdin },
          positionals,
          opts,
          str(opts.by) ?? `cli:${userInfo().username}`,
        );
        break;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
    return 0;
  } catch (err) {
    const usage =
      err instanceof UsageError ||
      err instanceof StoreUsageError ||
      err instanceof UserUsageError ||
      err instanceof CatalogUsageError;
    const refused =
      err instanceof Refused ||
      err instanceof StoreError ||
      err instanceof UserError ||
      err instanceof CatalogError;
    const message = (err as Error).message;
    if (json) console.log(JSON.stringify({ error: message, refused }, null, 2));
    console.error(usage ? `${message}\n\n${USAGE}` : `error: ${message}`);
    return usage ? 2 : 1;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await db?.$disconnect().catch(() => undefined);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
