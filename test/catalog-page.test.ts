// The SKU catalogue in a real browser against the whole stack: export, an import with line
// errors, a dry run (nothing changes), publish (who and when), an order that uses the new
// mapping, rollback; and the same from `npm run ops -- catalog`.
import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Browser, type Page } from 'playwright-core';
import { launchChromium } from './support/browser';
import { main } from '../src/ops/cli';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { ROOT, startStack, type Stack } from './support/stack';
import { newOrderId, waitForState } from './support/orders';
import { postWoo, wooOrder } from './support/woo';

const SCREENSHOT = `${ROOT}test-results/catalog-page.png`;
const HEADER = 'sku,supplier,supplier_product,region,currency,denomination,price';

let stack: Stack;
let browser: Browser;
let page: Page;
const saved = { ...process.env };

async function ops(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args, { stdin: () => Promise.resolve(stdin), write: (t) => void lines.push(t) });
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

const active = async (sku: string) =>
  stack.db.skuMapping.findFirst({ where: { storeId: 'demo', sku, active: true } });

beforeAll(async () => {
  stack = await startStack();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    ENV_FILE: '',
    DATABASE_URL: stack.database.url,
    LOG_LEVEL: 'silent',
  });
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
  await page.goto(`${stack.apiUrl}/admin/login`);
  await page.fill('#name', 'Cat Operator');
  await page.fill('#token', 'dev-admin-token');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
});

afterAll(async () => {
  process.env = saved;
  await browser?.close();
  await stack?.stop();
});

describe('catalogue page', () => {
  let exported = '';

  it('exports the active catalogue as CSV', async () => {
    await page.goto(`${stack.apiUrl}/admin/catalog?store=demo`);
    await expect(page.locator('#active tr[data-sku]').count()).resolves.toBe(4);
    const cookie = (await page.context().cookies())[0]!;
    const res = await fetch(`${stack.apiUrl}/admin/catalog/demo/export.csv`, {
      headers: { Cookie: `${cookie.name}=${cookie.value}` },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    exported = await res.text();
    expect(exported.split('\r\n')[0]).toBe(HEADER);
    expect(exported).toContain('PSN-US-10,alpha-psn,PSN-US-10,US,USD,10.00,10.99');
  });

  it('shows line-numbered errors and changes nothing', async () => {
    await page.goto(`${stack.apiUrl}/admin/catalog?store=demo`);
    await page.fill(
      '#csv',
      `${HEADER}\nPSN-US-10,alpha-psn,PSN-US-10,US,USD,10,ten\nPSN-US-10,alpha-psn,PSN-US-10,US,USD,10,10.99\n`,
    );
    await Promise.all([page.waitForNavigation(), page.click('#preview')]);
    const errors = await page.locator('#csv-errors tr').allTextContents();
    expect(errors.join('\n')).toMatch(/2\s*price "ten"/);
    expect(errors.join('\n')).toMatch(/3\s*sku PSN-US-10 is already on line 2/);
    expect(await stack.db.catalogPublication.count()).toBe(0);
  });

  it('previews a diff (dry run), then publishes it; an order uses the new mapping', async () => {
    const next = exported
      .replace(
        'PSN-US-10,alpha-psn,PSN-US-10,US,USD,10.00,10.99',
        'PSN-US-10,alpha-psn,PSN-US-10,US,USD,10.00,11.49',
      )
      .replace(/PSN-GB-20,[^\r]*\r\n/, '')
      .concat('PSN-US-100,alpha-psn,PSN-US-100,US,USD,100,104.99\r\n');
    await page.goto(`${stack.apiUrl}/admin/catalog?store=demo`);
    await page.fill('#csv', next);
    await Promise.all([page.waitForNavigation(), page.click('#preview')]);
    expect((await page.locator('#diff h2').textContent())?.replace(/\s+/g, ' ')).toMatch(
      /1 added, 1 changed, 1 retired, 2 unchanged/,
    );
    await expect(page.locator('#diff tr.changed[data-sku="PSN-US-10"]').count()).resolves.toBe(1);
    await expect(page.locator('#diff tr.retired[data-sku="PSN-GB-20"]').count()).resolves.toBe(1);
    expect((await active('PSN-US-10'))?.price.toFixed(2)).toBe('10.99'); // dry run: nothing changed
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    mkdirSync(`${ROOT}docs`, { recursive: true });
    copyFileSync(SCREENSHOT, `${ROOT}docs/catalog-page.png`);

    await page.fill('#note', 'price rise');
    await Promise.all([page.waitForNavigation(), page.click('#publish')]);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('Published catalogue v1');
    expect(await active('PSN-US-10')).toMatchObject({
      version: 2,
      changedBy: 'Cat Operator (self-declared; shared admin token)',
    });
    expect(await active('PSN-GB-20')).toBeNull();
    expect(await stack.db.skuMapping.findFirst({ where: { sku: 'PSN-GB-20', version: 1 } })).toMatchObject({
      retiredBy: 'Cat Operator (self-declared; shared admin token)',
    });
    await expect(page.locator('#history tr[data-version="1"]').textContent()).resolves.toMatch(
      /Cat Operator.*1 \/ 1 \/ 1.*price rise/s,
    );

    const id = newOrderId();
    expect(
      (
        await postWoo(
          stack.apiUrl,
          'demo',
          wooOrder(id, [{ sku: 'PSN-US-100', quantity: 1, total: '104.99' }]),
        )
      ).status,
    ).toBe(202);
    await waitForState(stack, fulfillmentWorkflowId('demo', String(id)), 'delivered');
  });

  it('rolls back from the CLI and the page; history says who and when', async () => {
    const dry = await ops(['catalog', 'import', 'demo', '--dry-run'], exported);
    expect(dry.code).toBe(0);
    expect(dry.out).toMatch(/dry run.*1 added, 1 changed, 1 retired/);
    expect(dry.out).toContain('~ PSN-US-10 price 11.49 -> 10.99');
    const bad = await ops(
      ['catalog', 'import', 'demo', '--by', 'cli'],
      `${HEADER}\nX,alpha-psn,X,usa,USD,1,1\n`,
    );
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('line 2: region "usa"');

    const back = await ops(['catalog', 'import', 'demo', '--by', 'Ops CLI'], exported);
    expect(back.out).toContain('published catalogue v2');
    const same = await ops(['catalog', 'rollback', 'demo', '2', '--by', 'Ops CLI']);
    expect(same.code).toBe(1);
    expect(same.out).toContain('nothing to publish');
    const hist = await ops(['catalog', 'history', 'demo']);
    expect(hist.out).toMatch(/^v2 .*Ops CLI/m);

    await page.goto(`${stack.apiUrl}/admin/catalog?store=demo`);
    await Promise.all([page.waitForNavigation(), page.click('#history tr[data-version="1"] button')]);
    await expect(page.locator('[role=status]').textContent()).resolves.toContain('Published catalogue v3');
    const exportedNow = await ops(['catalog', 'export', 'demo']);
    expect(exportedNow.out).toContain('PSN-US-10,alpha-psn,PSN-US-10,US,USD,10.00,11.49');
  });
});
