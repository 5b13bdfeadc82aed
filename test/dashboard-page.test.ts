// The dashboard in a real browser (Debian chromium + playwright-core) against the whole stack: two
// orders go through the real API, Temporal and worker, a day of orders of two more stores is
// written to the database, and the page's tiles and chart bars must match what the test itself
// counts from the database. A viewer may look. Keeps a screenshot for the README.
import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { ensureStore } from '../src/db/demo-store';
import { createUsers } from '../src/users/users';
import { ROOT, startStack, type Stack } from './support/stack';
import { newOrderId, waitForState } from './support/orders';
import { postWoo, wooOrder } from './support/woo';

const SCREENSHOT = `${ROOT}test-results/dashboard.png`;
const MIN = 60_000;
let stack: Stack;
let browser: Browser;
let page: Page;
const cspErrors: string[] = [];

/** A day of orders for one store: a daily curve, mostly delivered, all older than one hour. */
function day(store: string, scale: number, now: number) {
  const rows = [];
  let i = 0;
  for (let h = 1; h <= 22; h++) {
    const n = Math.max(0, Math.round(scale * (3 + 2.5 * Math.sin((h / 24) * 2 * Math.PI + 1))));
    for (let j = 0; j < n; j++, i++) {
      const paidAt = new Date(now - h * 60 * MIN - (j * 7 + 3) * MIN);
      const status =
        i % 11 === 5
          ? 'refunded'
          : i % 13 === 4
            ? 'in_review'
            : h <= 2 && j % 3 === 0
              ? 'ordering'
              : 'delivered';
      const seconds = 35 + ((i * 37) % 190);
      rows.push({
        storeId: store,
        externalOrderId: `${store}-${i}`,
        workflowId: `fulfill:${store}:${store}-${i}`,
        status,
        channel: 'seed',
        currency: 'USD',
        total: '25.00',
        paidAt,
        createdAt: paidAt,
        deliveredAt: status === 'delivered' ? new Date(paidAt.getTime() + seconds * 1000) : null,
      });
    }
  }
  return rows;
}

async function signIn(p: Page, name: string, password: string) {
  await p.goto(`${stack.apiUrl}/admin/login`);
  await p.fill('#name', name);
  await p.fill('#token', password);
  await Promise.all([p.waitForNavigation(), p.click('button[type=submit]')]);
}

/** What the page should say, counted here from the database rows. */
async function expected(store?: string) {
  const orders = await stack.db.order.findMany({
    where: { status: { not: 'skipped' }, ...(store && { storeId: store }) },
  });
  const outcome = (s: string) =>
    s === 'delivered'
      ? 'delivered'
      : ['refunded', 'cancelled', 'not_paid'].includes(s)
        ? 'failed'
        : ['in_review', 'payment_without_order'].includes(s)
          ? 'inReview'
          : 'pending';
  const cells = new Map<string, number>();
  for (const o of orders) {
    const key = `${(o.paidAt ?? o.createdAt).toISOString().slice(0, 13)}:00Z ${outcome(o.status)}`;
    cells.set(key, (cells.get(key) ?? 0) + 1);
  }
  const times = orders
    .filter((o) => o.status === 'delivered')
    .map((o) => (o.deliveredAt!.getTime() - o.paidAt!.getTime()) / 1000)
    .sort((a, b) => a - b);
  const mid = times.length / 2;
  const median = times.length % 2 ? times[Math.floor(mid)]! : (times[mid - 1]! + times[mid]!) / 2;
  const delivered = times.length;
  const failed = orders.filter((o) => outcome(o.status) === 'failed').length;
  return { received: orders.length, delivered, failed, median, cells };
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') cspErrors.push(m.text());
  });
  await signIn(page, 'Ada Ops', 'dev-admin-token');

  const delivered = newOrderId();
  const held = newOrderId();
  for (const [id, sku] of [
    [delivered, 'PSN-US-25'],
    [held, 'PSN-ZZ-1'],
  ] as const) {
    const res = await postWoo(stack.apiUrl, 'demo', wooOrder(id, [{ sku, quantity: 1, total: '26.99' }]));
    expect(res.status).toBe(202);
  }
  await waitForState(stack, fulfillmentWorkflowId('demo', String(delivered)), 'delivered');
  await waitForState(stack, fulfillmentWorkflowId('demo', String(held)), 'in_review');
  // The order rows catch up with the workflows (the final state is written as they finish).
  const statuses = async () =>
    (await stack.db.order.findMany({ select: { status: true } }))
      .map((o) => o.status)
      .sort()
      .join();
  for (let i = 0; i < 100 && (await statuses()) !== 'delivered,in_review'; i++)
    await new Promise((r) => setTimeout(r, 100));
  expect(await statuses()).toBe('delivered,in_review');

  const now = Date.now();
  for (const [store, scale] of [
    ['north', 1.6],
    ['south', 0.8],
  ] as const) {
    await ensureStore(stack.db, { id: store }, []);
    await stack.db.order.createMany({ data: day(store, scale, now) });
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('dashboard', () => {
  it('shows orders per minute, success ratio, median delivery and the hourly bars of all stores', async () => {
    const exp = await expected();
    const before = Date.now();
    await page.goto(`${stack.apiUrl}/admin/dashboard`);
    const after = Date.now();
    const tile = (id: string) => page.locator(`[data-kpi="${id}"]`);

    await expect(tile('orders-per-minute').locator('.sub').textContent()).resolves.toBe(
      `${exp.received} orders, last 24 hours`,
    );
    const windowStart = (t: number) => Math.floor(t / 3_600_000) * 3_600_000 - 23 * 3_600_000;
    const rate = Number(await tile('orders-per-minute').locator('b').textContent());
    // Shown with 2 decimals (3 below 0.1): within half the last digit of the true rate.
    expect(rate).toBeGreaterThanOrEqual(exp.received / ((after - windowStart(after)) / MIN) - 0.005);
    expect(rate).toBeLessThanOrEqual(exp.received / ((before - windowStart(before)) / MIN) + 0.005);
    // Only the two real orders arrived in the last hour.
    await expect(tile('last-hour-per-minute').locator('b').textContent()).resolves.toBe((2 / 60).toFixed(3));
    await expect(tile('success-ratio').locator('b').textContent()).resolves.toBe(
      `${((exp.delivered / (exp.delivered + exp.failed)) * 100).toFixed(1)}%`,
    );
    await expect(tile('success-ratio').locator('.sub').textContent()).resolves.toBe(
      `${exp.delivered} of ${exp.delivered + exp.failed} finished were delivered`,
    );
    const m = Math.round(exp.median);
    await expect(tile('median-delivery').locator('b').textContent()).resolves.toBe(
      m < 60 ? `${m} s` : `${Math.floor(m / 60)} min ${m % 60} s`,
    );
    await expect(tile('failed').locator('b').textContent()).resolves.toBe(String(exp.failed));

    // The chart: 24 hourly bars; each drawn segment is a cell the test counted, and nothing else.
    await expect(page.locator('#hourly-chart g[data-hour]').count()).resolves.toBe(24);
    const rects = await page
      .locator('#hourly-chart rect')
      .evaluateAll((els) =>
        els.map(
          (e) =>
            `${e.parentElement!.getAttribute('data-hour')} ${e.getAttribute('data-outcome')}=${e.getAttribute('data-count')}`,
        ),
      );
    expect(rects.sort()).toEqual([...exp.cells].map(([k, n]) => `${k}=${n}`).sort());
    const heights = await page
      .locator('#hourly-chart rect')
      .evaluateAll((els) => els.map((e) => Number(e.getAttribute('height'))));
    expect(heights.every((h) => h > 0)).toBe(true);
    await expect(page.locator('#hourly-chart rect title').first().textContent()).resolves.toMatch(
      /^\d{4}-\d\d-\d\d \d\d:00Z: \d+ (delivered|pending|in review|failed) of \d+$/,
    );
    await expect(page.locator('#per-store tr[data-store]').count()).resolves.toBe(4); // 3 stores + all
    expect(cspErrors).toEqual([]);

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(`${ROOT}docs`, { recursive: true });
    copyFileSync(SCREENSHOT, `${ROOT}docs/dashboard.png`);
  });

  it('filters by store and window', async () => {
    await page.goto(`${stack.apiUrl}/admin/dashboard`);
    await page.selectOption('#store', 'south');
    await page.selectOption('#window', '7d');
    await Promise.all([page.waitForNavigation(), page.click('#show')]);
    expect(page.url()).toContain('store=south');
    const exp = await expected('south');
    await expect(page.locator('#scope').textContent()).resolves.toContain('last 7 days · south');
    await expect(page.locator('[data-kpi="orders-per-minute"] .sub').textContent()).resolves.toBe(
      `${exp.received} orders, last 7 days`,
    );
    await expect(page.locator('#hourly-chart g[data-hour]').count()).resolves.toBe(168);
    const drawn = await page
      .locator('#hourly-chart rect')
      .evaluateAll((els) => els.reduce((n, e) => n + Number(e.getAttribute('data-count')), 0));
    expect(drawn).toBe(exp.received);
    await expect(page.locator('#per-store tr[data-store]').allTextContents()).resolves.toEqual([
      expect.stringContaining('south'),
    ]);
    // A store that does not exist is no filter.
    await page.goto(`${stack.apiUrl}/admin/dashboard?store=%3Cscript%3E&window=bogus`);
    await expect(page.locator('#scope').textContent()).resolves.toContain('last 24 hours · all stores');
  });

  it('is open to a viewer and closed to anonymous visitors', async () => {
    const anon = await fetch(`${stack.apiUrl}/admin/dashboard`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    await createUsers(stack.db).add('Vic Viewer', 'viewer', 'vic-viewer-pass-0001', 'test');
    const vic = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
    await signIn(vic, 'Vic Viewer', 'vic-viewer-pass-0001');
    const res = await vic.goto(`${stack.apiUrl}/admin/dashboard`);
    expect(res?.status()).toBe(200);
    await expect(vic.locator('#hourly-chart g[data-hour]').count()).resolves.toBe(24);
    await vic.close();
  });
});
