// Customer email (real local SMTP) per state, and storefront updates (WooCommerce fake, signed
// callback) against the real database, without Temporal.
import { createHmac, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeVault, maskCode } from '../src/codes/vault';
import { createDb, type Db } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import type { Order } from '../src/generated/prisma/client';
import { createEmailNotifier, createSmtpMailer } from '../src/notify/email';
import type { NoticeTemplate } from '../src/notify/notifier';
import { createLogger } from '../src/observability/logger';
import { createStorefronts } from '../src/storefront';
import { startSmtpServer } from './support/smtp';
import { LogCapture, startTestDatabase, type TestDatabase } from './support/stack';
import { startWooCommerceFake } from './support/woocommerce-fake';

const WOO = { consumerKey: 'ck_unit_0123456789', consumerSecret: 'cs_unit_0123456789' };
const CALLBACK_SECRET = 'callback-secret-0123456789';
const vault = createCodeVault(new Map([['k1', randomBytes(32)]]), 'k1');
const CODES = ['AAAA-1111-BBBB-2222', 'CCCC-3333-DDDD-4444'];

let database: TestDatabase;
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let woo: Awaited<ReturnType<typeof startWooCommerceFake>>;
const logs = new LogCapture();
const hooks: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
let hookUrl: string;
let closeHook: () => void;

async function makeOrder(storeId: string, id: string, email: string | null = `c${id}@example.test`) {
  const order = await db.order.create({
    data: {
      storeId,
      externalOrderId: id,
      workflowId: `fulfill:${storeId}:${id}`,
      status: 'delivered',
      channel: 'woocommerce',
      currency: 'USD',
      total: '63.98',
      customerEmail: email,
      lines: {
        create: [
          { lineNo: 1, sku: 'PSN-US-50', quantity: 1, status: 'delivered', delivered: 1 },
          { lineNo: 2, sku: 'PSN-US-10', quantity: 1, status: 'delivered', delivered: 1 },
        ],
      },
    },
  });
  for (const [i, code] of CODES.entries()) {
    const { keyId, ciphertext } = vault.encrypt(JSON.stringify(i ? { code } : { code, pin: '4321' }));
    await db.deliveredCode.create({
      data: {
        orderId: order.id,
        lineNo: i + 1,
        unitIndex: 0,
        keyId,
        ciphertext,
        masked: maskCode(code),
        fingerprint: vault.fingerprint(`${code}/${id}`),
      },
    });
  }
  return order;
}

beforeAll(async () => {
  database = await startTestDatabase();
  db = createDb(database.url);
  smtp = await startSmtpServer({ rejectRecipients: /^bounce/ });
  woo = await startWooCommerceFake(WOO);
  const app = express();
  app.use(express.text({ type: '*/*' }));
  app.post('/hook', (req, res) => {
    hooks.push({ headers: req.headers, body: req.body as string });
    res.json({ ok: true });
  });
  const server = await new Promise<import('node:http').Server>((r) => {
    const s = app.listen(0, '127.0.0.1', () => r(s));
  });
  hookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  closeHook = () => server.close();
  await ensureStore(db, { id: 'shop', name: 'Shop' }, []);
  await db.store.update({
    where: { id: 'shop' },
    data: {
      storefrontUrl: woo.url,
      credentialsRef: 'shop-woo',
      supportEmail: 'help@shop.test',
      mailFromName: 'Shop',
    },
  });
  await ensureStore(db, { id: 'headless', platform: 'headless' }, []);
  await db.store.update({
    where: { id: 'headless' },
    data: { storefrontUrl: hookUrl, credentialsRef: 'hl' },
  });
  await ensureStore(db, { id: 'badauth' }, []);
  await db.store.update({
    where: { id: 'badauth' },
    data: { storefrontUrl: woo.url, credentialsRef: 'wrong' },
  });
  await ensureStore(db, { id: 'plain' }, []);
});
afterAll(async () => {
  closeHook?.();
  await woo?.stop();
  await smtp?.stop();
  await db?.$disconnect();
  await database?.stop();
});

const notifier = () =>
  createEmailNotifier({
    db,
    vault,
    mailer: createSmtpMailer(smtp.url),
    from: 'cardbridge <no-reply@shop.test>',
    logger: createLogger({ level: 'info', name: 'mail', destination: logs }),
  });
const storefronts = () =>
  createStorefronts({
    db,
    timeoutMs: 2_000,
    credentials: {
      'shop-woo': { kind: 'woocommerce', ...WOO },
      wrong: { kind: 'woocommerce', consumerKey: 'ck_wrong_000', consumerSecret: 'cs_wrong_000' },
      hl: { kind: 'callback', secret: CALLBACK_SECRET },
    },
  });

describe('customer email over SMTP', () => {
  let order: Order;
  beforeAll(async () => {
    order = await makeOrder('shop', 'm1');
  });

  it('sends one email per state; only the delivered one carries codes (and PINs)', async () => {
    const n = notifier();
    const expected: Record<NoticeTemplate, RegExp> = {
      processing: /preparing your codes/,
      review: /being checked/,
      delivered: /codes are ready/,
      refunded: /has been refunded/,
      cancelled: /has been cancelled/,
    };
    for (const template of Object.keys(expected) as NoticeTemplate[]) {
      await n.notify({ order, template, dedupeKey: `${order.workflowId}/${template}/1` });
    }
    expect(smtp.messages).toHaveLength(5);
    for (const [i, template] of (Object.keys(expected) as NoticeTemplate[]).entries()) {
      const m = smtp.messages[i]!;
      expect(m.subject).toMatch(expected[template]);
      expect(m.subject).toContain('Shop order m1');
      expect(m.to).toEqual(['cm1@example.test']);
      expect(m.raw).toMatch(/^From: "?Shop"? <no-reply@shop\.test>/m);
      expect(m.raw).toMatch(/^Reply-To: help@shop\.test/m);
      for (const code of CODES) expect(m.text.includes(code)).toBe(template === 'delivered');
    }
    expect(smtp.messages[2]!.text).toContain('PIN 4321');
    const rows = await db.notification.findMany({ where: { orderId: order.id } });
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
  });

  it('never sends twice for one dedupe key (activity retry)', async () => {
    const before = smtp.messages.length;
    await notifier().notify({ order, template: 'delivered', dedupeKey: `${order.workflowId}/delivered/1` });
    expect(smtp.messages).toHaveLength(before);
  });

  it('records a refused send as failed without secrets and throws for a retry', async () => {
    const bounced = await makeOrder('shop', 'm2', 'bounce@example.test');
    await expect(
      notifier().notify({ order: bounced, template: 'delivered', dedupeKey: 'm2/delivered/1' }),
    ).rejects.toThrow(/sending the delivered email failed/);
    const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey: 'm2/delivered/1' } });
    expect(row.status).toBe('failed');
    expect(row.error).toBeTruthy();
    expect(row.error).not.toContain('bounce@');
    for (const code of CODES) expect(logs.text()).not.toContain(code);
  });

  it('records a notice for an order without an email address, sends nothing', async () => {
    const anon = await makeOrder('shop', 'm3', null);
    const before = smtp.messages.length;
    await notifier().notify({ order: anon, template: 'processing', dedupeKey: 'm3/processing/1' });
    expect(smtp.messages).toHaveLength(before);
    expect(
      (await db.notification.findUniqueOrThrow({ where: { dedupeKey: 'm3/processing/1' } })).status,
    ).toBe('no_recipient');
  });
});

describe('storefront updates', () => {
  it('WooCommerce: masked note + completed, once, even when retried', async () => {
    const order = await makeOrder('shop', '501');
    const s = storefronts();
    await s.update(order, 'delivered');
    await s.update(order, 'delivered'); // activity retry after success
    const notes = woo.calls.filter((c) => c.path === '/wp-json/wc/v3/orders/501/notes');
    expect(notes).toHaveLength(1);
    const note = (notes[0]!.body as { note: string }).note;
    expect(note).toContain('PSN-US-50: ****-2222');
    expect(note).toContain('PSN-US-10: ****-4444');
    for (const code of CODES) expect(note).not.toContain(code);
    expect(woo.status.get('501')).toBe('completed');
  });

  it('WooCommerce: a transient failure after the note retries without a second note', async () => {
    const order = await makeOrder('shop', '502');
    const s = storefronts();
    woo.faults.statusUpdateUnavailable = 1;
    await expect(s.update(order, 'cancelled')).rejects.toThrow(/HTTP 503/);
    await s.update(order, 'cancelled');
    expect(woo.calls.filter((c) => c.path.endsWith('/502/notes'))).toHaveLength(1);
    expect(woo.status.get('502')).toBe('cancelled');
    woo.faults.unavailable = 1; // the note itself fails: nothing recorded, the retry adds it
    const order2 = await makeOrder('shop', '503');
    await expect(s.update(order2, 'delivered')).rejects.toThrow(/HTTP 503/);
    await s.update(order2, 'delivered');
    expect(woo.calls.filter((c) => c.path.endsWith('/503/notes'))).toHaveLength(1);
    expect(woo.status.get('503')).toBe('completed');
  });

  it('WooCommerce: refunds once, finding an earlier refund by its idempotency key', async () => {
    const order = await makeOrder('shop', '504');
    const s = storefronts();
    await s.refund(order, 'fulfill:shop:504/refund');
    // The row is lost (say the answer never arrived): WooCommerce already has the refund.
    await db.notification.delete({ where: { dedupeKey: 'fulfill:shop:504/refund' } });
    await s.refund(order, 'fulfill:shop:504/refund');
    expect(woo.refunds.get('504')).toHaveLength(1);
    expect(woo.refunds.get('504')![0]).toMatchObject({ amount: '63.98' });
    expect(woo.calls.find((c) => c.method === 'POST' && c.path.endsWith('/504/refunds'))?.body).toMatchObject(
      {
        api_refund: true,
      },
    );
  });

  it('WooCommerce: wrong credentials are refused, non-retryable, with no secret in the error', async () => {
    const order = await makeOrder('badauth', '601');
    const err = await storefronts()
      .update(order, 'delivered')
      .then(
        () => undefined,
        (e: unknown) => e as Error & { nonRetryable?: boolean; type?: string },
      );
    expect(err?.message).toMatch(/HTTP 401 \(woocommerce_rest_cannot_view\)/);
    expect(err?.nonRetryable).toBe(true);
    expect(err?.type).toBe('StorefrontRejected');
    expect(err?.message).not.toMatch(/ck_wrong|cs_wrong/);
    expect(woo.rejected.length).toBeGreaterThan(0);
  });

  it('headless / Magento: a signed JSON callback with masked codes only', async () => {
    const order = await makeOrder('headless', '701');
    await storefronts().update(order, 'delivered');
    await storefronts().refund(order, 'fulfill:headless:701/refund');
    expect(hooks).toHaveLength(2);
    const [delivered, refund] = hooks;
    const ts = String(delivered!.headers['x-cardbridge-timestamp']);
    const expected = createHmac('sha256', CALLBACK_SECRET).update(`${ts}.${delivered!.body}`).digest('hex');
    expect(delivered!.headers['x-cardbridge-signature']).toBe(`v1=${expected}`);
    expect(delivered!.headers['idempotency-key']).toBe('fulfill:headless:701/storefront/delivered');
    const body = JSON.parse(delivered!.body) as { event: string; lines: { masked: string[] }[] };
    expect(body.event).toBe('order.delivered');
    expect(body.lines.flatMap((l) => l.masked)).toEqual(['****-2222', '****-4444']);
    for (const code of CODES) expect(delivered!.body).not.toContain(code);
    expect(JSON.parse(refund!.body)).toMatchObject({
      event: 'order.refund',
      amount: '63.98',
      currency: 'USD',
    });
  });

  it('stores without storefront credentials are recorded only', async () => {
    const order = await makeOrder('plain', '801');
    const calls = woo.calls.length;
    await storefronts().update(order, 'delivered');
    expect(woo.calls.length).toBe(calls);
    const row = await db.notification.findFirstOrThrow({
      where: { orderId: order.id, channel: 'storefront' },
    });
    expect(row.status).toBe('recorded');
  });
});
