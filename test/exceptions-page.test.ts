// The exceptions page in a real browser (Debian chromium driven by playwright-core) against the
// whole stack: sign in, see seeded review cases and a failed workflow, decide, watch the
// workflow move on, and keep a screenshot.
import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import {
  fulfillmentWorkflowId,
  orderDetailsSignal,
  statusQuery,
  type FulfillmentState,
  type FulfillmentStatus,
} from '../src/shared/contract';
import { ROOT, startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

const ADMIN_TOKEN = 'dev-admin-token'; // the test config sets none: the non-production default
const SCREENSHOT = `${ROOT}test-results/exceptions-page.png`;

let stack: Stack;
let browser: Browser;
let page: Page;

const wf = (orderId: string) => fulfillmentWorkflowId('demo', orderId);
const row = (workflowId: string) => page.locator(`tr[data-workflow-id="${workflowId}"]`);

async function stateOf(workflowId: string): Promise<FulfillmentState> {
  return (await stack.env.client.workflow.getHandle(workflowId).query(statusQuery)).state;
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();

  // Seed: an unmapped SKU, a risk-flagged order, and a workflow that failed (unknown store).
  expect(
    (await postWoo(stack.apiUrl, 'demo', wooOrder(6101, [{ sku: 'PSN-ZZ-99', quantity: 1, total: '10.99' }])))
      .status,
  ).toBe(202);
  const risky = wooOrder(6102, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]);
  risky.meta_data.push({ key: 'risk_flags', value: 'fraud' });
  expect((await postWoo(stack.apiUrl, 'demo', risky)).status).toBe(202);
  await stack.env.client.workflow.signalWithStart('fulfillOrder', {
    // An execution that ends abnormally (here: its execution timeout runs out while it waits
    // for a payment) is listed with the failed ones.
    workflowId: 'fulfill:ghost:6103',
    taskQueue: stack.taskQueue,
    workflowExecutionTimeout: '2s',
    args: [{ storeId: 'ghost', orderId: '6103', timeouts: stack.timeouts }],
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
        eventId: 'ghost-6103',
      },
    ],
  });
  await waitFor('both orders in review', async () => {
    const states = await Promise.all([stateOf(wf('6101')), stateOf(wf('6102'))]);
    const open = await stack.db.reviewCase.count({ where: { status: 'open' } });
    return states.every((s) => s === 'in_review') && open === 2;
  });
  await expect(stack.env.client.workflow.getHandle('fulfill:ghost:6103').result()).rejects.toThrow();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('exceptions page', () => {
  it('keeps everything behind a session: login required, wrong token refused, cookie flags', async () => {
    const anon = await fetch(`${stack.apiUrl}/admin`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/admin/login');
    const post = await fetch(`${stack.apiUrl}/admin/orders/${encodeURIComponent(wf('6101'))}/decision`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'action=cancel',
      redirect: 'manual',
    });
    expect(post.status).toBe(401);

    await page.goto(`${stack.apiUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await page.fill('#name', 'Ada Ops');
    await page.fill('#token', 'not-the-admin-token');
    const refused = page.waitForResponse(
      (r) => r.url().endsWith('/admin/login') && r.request().method() === 'POST',
    );
    await page.click('button[type=submit]');
    expect((await refused).status()).toBe(401);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('not right');

    await page.fill('#token', ADMIN_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/admin$/);
    const [cookie] = await page.context().cookies();
    expect(cookie).toMatchObject({ name: 'cb_admin', httpOnly: true, sameSite: 'Strict', path: '/admin' });
  });

  it('lists review cases and failed workflows with region, status, delivery state, reason and age', async () => {
    await page.goto(`${stack.apiUrl}/admin`);
    const unmapped = row(wf('6101'));
    await expect(unmapped.textContent()).resolves.toMatch(/SKU_UNMAPPED/);
    await expect(unmapped.locator('td.status').textContent()).resolves.toContain('in_review');
    await expect(unmapped.locator('td').first().textContent()).resolves.toBe('—'); // no mapping: no region
    await expect(unmapped.textContent()).resolves.toMatch(/PSN-ZZ-99 ×1:\s*pending 0\/1/);

    const risky = row(wf('6102'));
    await expect(risky.textContent()).resolves.toMatch(/RISK_FLAG/);
    await expect(risky.locator('td').first().textContent()).resolves.toBe('US');
    await expect(risky.textContent()).resolves.toMatch(/\d+s|\d+m/); // age

    const failed = row('fulfill:ghost:6103');
    await expect(failed.locator('td.status').textContent()).resolves.toContain('timed_out');
    await expect(failed.textContent()).resolves.toContain('WORKFLOW_TIMED_OUT');
    expect(await failed.locator('form').count()).toBe(0); // closed: nothing to decide here

    await expect(page.locator('[data-count=in-review] b').textContent()).resolves.toBe('2');
    await expect(page.locator('[data-count=failed] b').textContent()).resolves.toBe('2');
    await expect(page.locator('#per-hour tbody tr').count()).resolves.toBeGreaterThan(0);

    mkdirSync(`${ROOT}test-results`, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(`${ROOT}docs`, { recursive: true });
    copyFileSync(SCREENSHOT, `${ROOT}docs/exceptions-page.png`);
  });

  it("shows the workflow validator's refusal and never echoes typed codes", async () => {
    await page.goto(`${stack.apiUrl}/admin`);
    const risky = row(wf('6102'));
    await risky.locator('summary').click();
    await risky.locator('textarea[name=codes]').fill('TYPED-CODE-AAAA-1111\nTYPED-CODE-BBBB-2222');
    const answer = page.waitForResponse((r) => r.url().includes('/decision'));
    await risky.locator('button[value=markDelivered]').click();
    expect((await answer).status()).toBe(422);
    const alert = await page.locator('[role=alert]').textContent();
    expect(alert).toContain('The workflow refused the decision');
    expect(alert).toContain('Line 1 needs exactly 1 code(s) to be marked delivered, got 2');
    expect(await page.content()).not.toContain('TYPED-CODE');
    expect(stack.logs.text()).not.toContain('TYPED-CODE');
    expect(await stateOf(wf('6102'))).toBe('in_review');
  });

  it('refuses a decision without the CSRF token', async () => {
    const cookies = await page.context().cookies();
    const res = await fetch(`${stack.apiUrl}/admin/orders/${encodeURIComponent(wf('6102'))}/decision`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      },
      body: 'action=cancel&csrf=forged',
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(await stateOf(wf('6102'))).toBe('in_review');
  });

  it('retries after the SKU mapping is fixed, and the workflow delivers', async () => {
    await stack.db.skuMapping.create({
      data: {
        storeId: 'demo',
        sku: 'PSN-ZZ-99',
        version: 1,
        supplierProduct: 'PSN-US-10',
        region: 'US',
        currency: 'USD',
        denomination: '10',
        price: '10.99',
        skuGroup: 'psn',
        active: true,
        changedBy: 'test',
      },
    });
    await page.goto(`${stack.apiUrl}/admin`);
    await row(wf('6101')).locator('input[name=note]').fill('mapping added');
    await row(wf('6101')).locator('button[value=retry]').click();
    await page.waitForURL(/decided=/);
    await expect(page.locator('[role=status]').textContent()).resolves.toMatch(
      /Decision "retry" applied to fulfill:demo:6101; the workflow is now (checking|ordering)/,
    );
    expect(await row(wf('6101')).count()).toBe(0);

    const result = (await stack.env.client.workflow.getHandle(wf('6101')).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');
    expect(result.decisions).toEqual([
      expect.objectContaining({
        action: 'retry',
        by: 'Ada Ops (self-declared; shared admin token)',
        note: 'mapping added',
      }),
    ]);
    expect(await stateOf(wf('6101'))).toBe('delivered');
  });

  it('cancels the risky order; the page and the workflow agree', async () => {
    await page.goto(`${stack.apiUrl}/admin`);
    await row(wf('6102')).locator('button[value=cancel]').click();
    await page.waitForURL(/decided=/);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain(
      'the workflow is now cancelled',
    );
    expect(await row(wf('6102')).count()).toBe(0);
    await expect(page.locator('[data-count=in-review] b').textContent()).resolves.toBe('0');
    await expect(page.locator('[data-count=retrying] b').textContent()).resolves.toBe('1');
    expect(await stateOf(wf('6102'))).toBe('cancelled');
    const review = await stack.db.reviewCase.findFirstOrThrow({ where: { workflowId: wf('6102') } });
    expect(review).toMatchObject({
      status: 'decided',
      decision: 'cancel',
      decidedBy: 'Ada Ops (self-declared; shared admin token)',
    });

    // Deciding again: the workflow is closed, and the page says so instead of pretending.
    await page.goto(`${stack.apiUrl}/admin`);
    const html = await page.content();
    const csrf = /name="csrf" value="([^"]+)"/.exec(html)![1]!;
    const cookies = await page.context().cookies();
    const again = await fetch(`${stack.apiUrl}/admin/orders/${encodeURIComponent(wf('6102'))}/decision`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        Cookie: cookies.map((c) => `${c.name}=${c.value}`).join('; '),
      },
      body: new URLSearchParams({ action: 'retry', csrf }).toString(),
      redirect: 'manual',
    });
    expect([404, 409, 422]).toContain(again.status);
    expect(await again.text()).toMatch(/role="alert"/);
  });
});
