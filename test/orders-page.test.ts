// Order search, the order page's timeline and the resend button, in a real browser against the
// whole stack.
import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { ROOT, startStack, type Stack } from './support/stack';
import { newOrderId, waitForState } from './support/orders';
import { postWoo, wooOrder } from './support/woo';

const SCREENSHOT = `${ROOT}test-results/order-page.png`;
let stack: Stack;
let browser: Browser;
let page: Page;
const delivered = newOrderId();
const held = newOrderId();

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  await page.goto(`${stack.apiUrl}/admin/login`);
  await page.fill('#name', 'Ada Ops');
  await page.fill('#token', 'dev-admin-token');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  expect(
    (
      await postWoo(
        stack.apiUrl,
        'demo',
        wooOrder(delivered, [{ sku: 'PSN-US-25', quantity: 2, total: '53.98' }]),
      )
    ).status,
  ).toBe(202);
  expect(
    (await postWoo(stack.apiUrl, 'demo', wooOrder(held, [{ sku: 'PSN-ZZ-1', quantity: 1, total: '5.00' }])))
      .status,
  ).toBe(202);
  await waitForState(stack, fulfillmentWorkflowId('demo', String(delivered)), 'delivered');
  await waitForState(stack, fulfillmentWorkflowId('demo', String(held)), 'in_review');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('orders', () => {
  it('finds orders by status, SKU, email and date', async () => {
    await page.goto(`${stack.apiUrl}/admin/orders`);
    await expect(page.locator('#orders tr[data-workflow-id]').count()).resolves.toBe(2);
    await page.fill('#q-sku', 'PSN-US-25');
    await Promise.all([page.waitForNavigation(), page.click('#search')]);
    await expect(page.locator('#orders tr[data-workflow-id]').allTextContents()).resolves.toEqual([
      expect.stringContaining(String(delivered)),
    ]);
    await page.goto(`${stack.apiUrl}/admin/orders?status=in_review&email=BUYER${held}@example.test`);
    await expect(page.locator('#result-count').textContent()).resolves.toContain('1 order;');
    await page.goto(`${stack.apiUrl}/admin/orders?from=2000-01-01&to=2000-01-02`);
    await expect(page.locator('#result-count').textContent()).resolves.toContain('0 orders');
  });

  it('shows the timeline with masked codes, and resends the codes email recording who asked', async () => {
    const wf = fulfillmentWorkflowId('demo', String(delivered));
    await page.goto(`${stack.apiUrl}/admin/orders?order=${delivered}`);
    await Promise.all([page.waitForNavigation(), page.click(`#orders a`)]);
    await expect(page.locator('#workflow-state').textContent()).resolves.toBe('delivered');
    const masked = await page.locator('#lines code').allTextContents();
    expect(masked).toHaveLength(2);
    for (const m of masked) expect(m).toMatch(/^\*\*\*\*-\w{4}$/);
    await expect(page.locator('#timeline').textContent()).resolves.toMatch(
      /email delivered: (sent|recorded)/,
    );
    await Promise.all([page.waitForNavigation(), page.click('#resend')]);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('sent again (2 codes)');
    await expect(page.locator('#timeline').textContent()).resolves.toContain(
      'asked by Ada Ops (self-declared; shared admin token)',
    );
    const order = await stack.db.order.findUniqueOrThrow({ where: { workflowId: wf } });
    expect(
      await stack.db.notification.count({
        where: { orderId: order.id, requestedBy: { contains: 'Ada Ops' } },
      }),
    ).toBe(1);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(`${ROOT}docs`, { recursive: true });
    copyFileSync(SCREENSHOT, `${ROOT}docs/order-page.png`);

    await page.goto(
      `${stack.apiUrl}/admin/orders/${encodeURIComponent(fulfillmentWorkflowId('demo', String(held)))}`,
    );
    await expect(page.locator('#workflow-state').textContent()).resolves.toBe('in_review');
    await expect(page.locator('#timeline').textContent()).resolves.toContain('SKU_UNMAPPED');
    await Promise.all([page.waitForNavigation(), page.click('#resend')]);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('no delivered codes');
  });
});
