// The store console in a real browser (Debian chromium + playwright-core) against the whole
// stack: a new store is onboarded from /admin/stores, fulfils an order without any restart,
// rotates its webhook secret, and is disabled. Secrets never come back in full.
import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { createSkuMappings } from '../src/catalog/sku-mappings';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { ROOT, startStack, type Stack } from './support/stack';
import { newOrderId, waitForState } from './support/orders';
import { postWoo, wooOrder } from './support/woo';

const ADMIN_TOKEN = 'dev-admin-token';
const SCREENSHOT = `${ROOT}test-results/store-console.png`;
const SECRET_1 = 'acme-woo-secret-first-0001';
const SECRET_2 = 'acme-woo-secret-second-0002';
const PAYNUP_KEY = 'acme-paynup-key-0000000001';

let stack: Stack;
let browser: Browser;
let page: Page;

async function eventually(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    if (await check().catch(() => false)) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function submit(selector: string) {
  await Promise.all([page.waitForNavigation(), page.click(selector)]);
}

beforeAll(async () => {
  stack = await startStack();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  await page.goto(`${stack.apiUrl}/admin/login`);
  await page.fill('#name', 'Ada Ops');
  await page.fill('#token', ADMIN_TOKEN);
  await submit('button[type=submit]');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('store console', () => {
  it('refuses anonymous visitors', async () => {
    const anon = await fetch(`${stack.apiUrl}/admin/stores`, { redirect: 'manual' });
    expect(anon.status).toBe(303);
    const post = await fetch(`${stack.apiUrl}/admin/stores`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'id=evil&name=x&platform=woocommerce',
      redirect: 'manual',
    });
    expect(post.status).toBe(401);
    expect(await stack.db.store.count({ where: { id: 'evil' } })).toBe(0);
  });

  it('onboards a store from the page; it fulfils an order without a restart', async () => {
    // Unknown before: the webhook is refused.
    expect((await postWoo(stack.apiUrl, 'acme', wooOrder(1, []), SECRET_1)).status).toBe(404);

    await page.goto(`${stack.apiUrl}/admin/stores`);
    await page.fill('#id', 'acme');
    await page.fill('#name', 'Acme Games');
    await page.selectOption('#platform', 'woocommerce');
    await page.fill('#storefrontUrl', 'https://acme.example');
    await page.fill('#allowedPaymentMethods', 'stripe, paypal');
    await page.fill('#amountTolerance', '0.05');
    await page.fill('#regions', 'us,gb');
    await page.fill('#codeSkuPrefixes', 'PSN-');
    await submit('#save-store');
    expect(new URL(page.url()).pathname).toBe('/admin/stores/acme');
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('Store created');

    await page.fill('#add-woocommerce', SECRET_1);
    await submit('#add-woocommerce-button');
    await page.fill('#paynupApiId', 'ACME-PAYNUP');
    await page.fill('#paynupKey', PAYNUP_KEY);
    await submit("text=Save Pay'nUp");

    const row = await stack.db.store.findUniqueOrThrow({ where: { id: 'acme' } });
    expect(row).toMatchObject({
      platform: 'woocommerce',
      storefrontUrl: 'https://acme.example',
      updatedBy: expect.stringContaining('Ada Ops'),
    });
    expect(row.settings).toMatchObject({
      allowedPaymentMethods: ['stripe', 'paypal'],
      amountTolerance: '0.05',
      regions: ['US', 'GB'],
      codeSkuPrefixes: ['PSN-'],
    });
    // Encrypted at rest; shown masked only.
    expect(row.secrets).toMatch(/^v1\./);
    expect(row.secrets).not.toContain(SECRET_1);
    const html = await page.content();
    expect(html).not.toContain(SECRET_1);
    expect(html).not.toContain(PAYNUP_KEY);
    await expect(page.locator('tr[data-provider=woocommerce] code').textContent()).resolves.toBe('…0001');

    // The catalogue for the new store (the mapping service; its page is not built yet).
    await createSkuMappings(stack.db).publish(
      'acme',
      'PSN-US-10',
      { supplierProduct: 'PSN-US-10', region: 'US', currency: 'USD', denomination: '10', price: '10.99' },
      { by: 'test' },
    );

    const id = newOrderId();
    const res = await postWoo(
      stack.apiUrl,
      'acme',
      wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
      SECRET_1,
    );
    expect(res.status).toBe(202);
    const status = await waitForState(stack, fulfillmentWorkflowId('acme', String(id)), 'delivered');
    expect(status.lines[0]).toMatchObject({ delivered: 1 });

    // The payment-method policy set on the page is the one the worker applies.
    const cod = newOrderId();
    expect(
      (
        await postWoo(
          stack.apiUrl,
          'acme',
          wooOrder(cod, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], { payment_method: 'bitcoin' }),
          SECRET_1,
        )
      ).status,
    ).toBe(202);
    const held = await waitForState(stack, fulfillmentWorkflowId('acme', String(cod)), 'in_review');
    expect(held.reasons.map((r) => r.code)).toContain('PAYMENT_METHOD');
  });

  it('rotates the webhook secret: both verify, then the old one is retired', async () => {
    await page.goto(`${stack.apiUrl}/admin/stores/acme`);
    await page.fill('#add-woocommerce', SECRET_2);
    await submit('#add-woocommerce-button');
    for (const secret of [SECRET_1, SECRET_2])
      expect((await postWoo(stack.apiUrl, 'acme', wooOrder(newOrderId(), []), secret)).status).toBe(202);

    await submit('tr[data-provider=woocommerce] form.inline:has(code:text("…0001")) button');
    await expect(page.locator('tr[data-provider=woocommerce] code').allTextContents()).resolves.toEqual([
      '…0002',
    ]);
    expect((await postWoo(stack.apiUrl, 'acme', wooOrder(newOrderId(), []), SECRET_1)).status).toBe(401);
    expect((await postWoo(stack.apiUrl, 'acme', wooOrder(newOrderId(), []), SECRET_2)).status).toBe(202);

    await page.goto(`${stack.apiUrl}/admin/stores`);
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-list.png'), fullPage: true });
    await page.goto(`${stack.apiUrl}/admin/stores/acme`);
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(`${ROOT}docs`, { recursive: true });
    copyFileSync(SCREENSHOT, `${ROOT}docs/store-console.png`);
    copyFileSync(SCREENSHOT.replace('.png', '-list.png'), `${ROOT}docs/store-console-list.png`);
  });

  it('a disabled store is refused within seconds, and enabled again', async () => {
    await page.goto(`${stack.apiUrl}/admin/stores/acme`);
    await submit('#toggle-store');
    await expect(page.locator('h1').textContent()).resolves.toContain('disabled');
    await eventually(
      'the webhook refused',
      async () => (await postWoo(stack.apiUrl, 'acme', wooOrder(newOrderId(), []), SECRET_2)).status === 404,
    );
    await submit('#toggle-store');
    await eventually(
      'the webhook accepted',
      async () => (await postWoo(stack.apiUrl, 'acme', wooOrder(newOrderId(), []), SECRET_2)).status === 202,
    );
  });

  it('refuses bad input with a reason, and keeps the env store working', async () => {
    await page.goto(`${stack.apiUrl}/admin/stores`);
    await page.fill('#id', 'Bad_Id');
    await page.fill('#name', 'x');
    const refused = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.click('#save-store');
    expect((await refused).status()).toBe(422);
    await expect(page.locator('[role=alert]').textContent()).resolves.toContain('not a store id');
    // demo comes from STORE_WEBHOOK_SECRETS (env), as before.
    expect((await postWoo(stack.apiUrl, 'demo', wooOrder(newOrderId(), []))).status).toBe(202);
    for (const secret of [SECRET_1, SECRET_2, PAYNUP_KEY]) {
      expect(stack.logs.text()).not.toContain(secret);
      expect(stack.responses.join('\n')).not.toContain(secret);
    }
  });
});
