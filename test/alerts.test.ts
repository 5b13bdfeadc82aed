// Alerts end to end on the real stack (Temporal dev server, API, worker, database, sandbox
// suppliers), a real SMTP server and a local Slack-style webhook receiver: a review left waiting,
// supplier balances under the low-water mark, a storefront webhook the sweep found disabled and
// a fulfilment workflow that timed out each reach the ops mailbox and the webhook exactly once,
// with a link to the page to open; a second scan sends nothing; the Schedule runs the same scan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAlertSchedule } from '../src/ops/schedule';
import { failedSinceQuery } from '../src/ops/queries';
import { ALERT_SCHEDULE_ID, ALERT_WORKFLOW_TYPE, type AlertScanResult } from '../src/shared/alerts';
import { fulfillmentWorkflowId, orderDetailsSignal } from '../src/shared/contract';
import { startAlertReceiver, type AlertReceiver } from './support/alert-receiver';
import { startSmtpServer } from './support/smtp';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

const PUBLIC = 'https://cardbridge.example.test';
const CONSOLE = `${PUBLIC}/admin`;

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let receiver: AlertReceiver;
let scans = 0;

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function scan(): Promise<AlertScanResult> {
  return stack.env.client.workflow.execute(ALERT_WORKFLOW_TYPE, {
    taskQueue: stack.taskQueue,
    workflowId: `scan-by-test-${++scans}`,
    args: [],
  });
}

beforeAll(async () => {
  smtp = await startSmtpServer();
  receiver = await startAlertReceiver();
  stack = await startStack({
    env: {
      API_PUBLIC_URL: PUBLIC,
      SMTP_URL: smtp.url,
      ALERT_EMAIL_TO: 'ops@example.test',
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_REVIEW_WAIT: '1s',
      // Both sandbox suppliers hold 10000: under this, both are low.
      SUPPLIER_LOW_BALANCE: '20000',
    },
  });

  // A review: an order for a SKU no mapping knows.
  expect(
    (await postWoo(stack.apiUrl, 'demo', wooOrder(7101, [{ sku: 'PSN-ZZ-99', quantity: 1, total: '10.99' }])))
      .status,
  ).toBe(202);
  // A workflow that ends abnormally: its execution timeout runs out while it waits for a payment.
  await stack.env.client.workflow.signalWithStart('fulfillOrder', {
    workflowId: 'fulfill:ghost:7102',
    taskQueue: stack.taskQueue,
    workflowExecutionTimeout: '2s',
    args: [{ storeId: 'ghost', orderId: '7102', timeouts: stack.timeouts }],
    signal: orderDetailsSignal,
    signalArgs: [
      {
        channel: 'woocommerce',
        status: 'pending',
        paid: false,
        currency: 'USD',
        total: '10.99',
        riskFlags: [],
        lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 1, unitPrice: '10.99' }],
        eventId: 'ghost-7102',
      },
    ],
  });
  // The recovery sweep's record of the demo store's webhook (src/activities/sweep.ts writes it).
  await stack.db.storefrontSweep.create({
    data: { storeId: 'demo', watermark: new Date(), webhookStatus: 'disabled', webhookCheckedAt: new Date() },
  });
  await waitFor(
    'the review case',
    async () => (await stack.db.reviewCase.count({ where: { status: 'open' } })) === 1,
  );
  await waitFor('the timed-out workflow in visibility', async () => {
    for await (const wf of stack.env.client.workflow.list({
      query: failedSinceQuery(new Date(Date.now() - 60_000)),
    }))
      if (wf.workflowId === 'fulfill:ghost:7102') return true;
    return false;
  });
  // Past ALERT_REVIEW_WAIT.
  await new Promise((r) => setTimeout(r, 1_200));
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await smtp?.stop();
});

describe('alerts', () => {
  it('sends each condition once, by email and to the webhook, with a link to the page to open', async () => {
    const result = await scan();
    expect(result).toMatchObject({ found: 5, opened: 5, sent: 5, failed: 0, errors: [] });

    const orderPage = (store: string, order: string) =>
      `${CONSOLE}/orders/${encodeURIComponent(fulfillmentWorkflowId(store, order))}`;
    const expected = [
      { title: 'Review waiting', says: 'Order demo:7101 has waited', link: orderPage('demo', '7101') },
      { title: 'Supplier balance low', says: 'Supplier alpha-psn balance is 10000.00 USD', link: CONSOLE },
      { title: 'Supplier balance low', says: 'Supplier kinguin balance is', link: CONSOLE },
      {
        title: 'Storefront webhook not active',
        says: 'Store demo: its WooCommerce webhook to cardbridge is disabled',
        link: `${CONSOLE}/stores/demo`,
      },
      {
        title: 'Fulfilment workflow failed',
        says: 'Order ghost:7102: its fulfilment workflow timed out',
        link: orderPage('ghost', '7102'),
      },
    ];
    expect(receiver.bodies).toHaveLength(expected.length);
    expect(smtp.messages).toHaveLength(expected.length);
    for (const e of expected) {
      const bodies = receiver.bodies.filter((b) => b.text.includes(e.says));
      expect(bodies, e.says).toHaveLength(1);
      expect(bodies[0]!.text).toContain(`<${e.link}|`);
      expect(bodies[0]!.blocks[0]!.text.text).toContain(`*${e.title}*`);
      const mails = smtp.messages.filter((m) => m.text.includes(e.says));
      expect(mails, e.says).toHaveLength(1);
      expect(mails[0]!.subject).toBe(`[cardbridge] ${e.title}`);
      expect(mails[0]!.to).toEqual(['ops@example.test']);
      expect(mails[0]!.text).toContain(e.link);
    }
    expect(await stack.db.alert.count({ where: { status: 'sent' } })).toBe(5);
  });

  it('links to order pages that exist behind the console sign-in', async () => {
    const signIn = await fetch(`${stack.apiUrl}/admin/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'name=Ada+Ops&token=dev-admin-token',
      redirect: 'manual',
    });
    expect(signIn.status).toBe(303);
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const link = (await stack.db.alert.findFirstOrThrow({ where: { kind: 'review_waiting' } })).link;
    const page = await fetch(`${stack.apiUrl}${new URL(link).pathname}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('7101');
  });

  it('a second scan sends nothing new', async () => {
    const result = await scan();
    expect(result).toMatchObject({ found: 5, opened: 0, sent: 0, failed: 0 });
    expect(receiver.bodies).toHaveLength(5);
    expect(smtp.messages).toHaveLength(5);
  });

  it('the alerts Schedule starts the same scan on the worker', async () => {
    const { created } = await ensureAlertSchedule(stack.env.client, {
      taskQueue: stack.taskQueue,
      intervalMs: 3_600_000,
    });
    expect(created).toBe(true);
    // Idempotent: a second call updates the one Schedule.
    expect(
      (await ensureAlertSchedule(stack.env.client, { taskQueue: stack.taskQueue, intervalMs: 3_600_000 }))
        .created,
    ).toBe(false);
    const handle = stack.env.client.schedule.getHandle(ALERT_SCHEDULE_ID);
    const described = await handle.describe();
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: ALERT_WORKFLOW_TYPE,
      taskQueue: stack.taskQueue,
    });
    // The store's webhook was re-activated: the scheduled scan marks that alert cleared.
    await stack.db.storefrontSweep.update({ where: { storeId: 'demo' }, data: { webhookStatus: 'active' } });
    await handle.trigger();
    await waitFor('a scheduled scan to complete', async () => {
      for await (const wf of stack.env.client.workflow.list({
        query: `WorkflowType = '${ALERT_WORKFLOW_TYPE}' AND WorkflowId STARTS_WITH '${ALERT_SCHEDULE_ID}-' AND ExecutionStatus = 'Completed'`,
      }))
        if (wf.workflowId) return true;
      return false;
    });
    expect(receiver.bodies).toHaveLength(5);
    const webhookAlert = await stack.db.alert.findUniqueOrThrow({
      where: { dedupeKey: 'webhook_disabled:demo' },
    });
    expect(webhookAlert.resolvedAt).not.toBeNull();
    expect(await stack.db.alert.count({ where: { resolvedAt: null } })).toBe(4);
    await handle.delete();
  });
});
