// Codes stay secret end to end: encrypted in Temporal history (payload codec), decodable only
// through the authorised codec endpoint, emailed to the customer over real SMTP (the one place
// a code is shown), masked in the WooCommerce order note, absent from every log and API answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporal } from '@temporalio/proto';
import { createCodeVault } from '../src/codes/vault';
import { loadConfig } from '../src/config';
import { createEmailNotifier, createSmtpMailer } from '../src/notify/email';
import { resendNotice } from '../src/notify/resend';
import { createLogger } from '../src/observability/logger';
import { fulfillmentWorkflowId, type FulfillmentStatus } from '../src/shared/contract';
import { createStorefronts } from '../src/storefront';
import { findCodeLeaks } from './support/leaks';
import { startSmtpServer } from './support/smtp';
import { LogCapture, startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';
import { startWooCommerceFake } from './support/woocommerce-fake';

const WOO = { consumerKey: 'ck_test_0123456789', consumerSecret: 'cs_test_0123456789' };
const cfg = loadConfig({ NODE_ENV: 'test' });
const vault = createCodeVault(cfg.codes.keys, cfg.codes.activeKeyId);
const mailLogs = new LogCapture();

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let woo: Awaited<ReturnType<typeof startWooCommerceFake>>;
let notifier: ReturnType<typeof createEmailNotifier>;

beforeAll(async () => {
  smtp = await startSmtpServer();
  woo = await startWooCommerceFake(WOO);
  stack = await startStack({
    notifier: (db) =>
      (notifier = createEmailNotifier({
        db,
        vault,
        mailer: createSmtpMailer(smtp.url),
        from: 'cardbridge <no-reply@shop.test>',
        logger: createLogger({ level: 'info', name: 'mail', destination: mailLogs }),
      })),
    storefronts: (db) =>
      createStorefronts({
        db,
        credentials: { 'demo-woo': { kind: 'woocommerce', ...WOO } },
        timeoutMs: 3_000,
      }),
  });
  await stack.db.store.update({
    where: { id: 'demo' },
    data: {
      storefrontUrl: woo.url,
      credentialsRef: 'demo-woo',
      name: 'Demo Shop',
      supportEmail: 'help@shop.test',
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  await woo?.stop();
  await smtp?.stop();
});

async function orderCodes(externalOrderId: string): Promise<string[]> {
  const rows = await stack.db.deliveredCode.findMany({ where: { order: { externalOrderId } } });
  return rows.map((r) => (JSON.parse(vault.decrypt(r.ciphertext)) as { code: string }).code);
}

/** Every Payload object in a history (anything with metadata + data). */
function payloadsIn(value: unknown, out: { metadata: Record<string, Uint8Array>; data: Uint8Array }[] = []) {
  if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return out;
  // Search attributes are indexed by the server and never go through a codec (they hold
  // statuses and ids, never codes: the byte search above covers them).
  if ('indexedFields' in value) return out;
  const v = value as Record<string, unknown>;
  // A patched() marker holds only the patch's name, written by the SDK's core outside the codec.
  if (v.markerName === 'core_patch') return out;
  // A local activity's marker: `data` is core's own bookkeeping (id, type, attempt, times, outside
  // the codec); its `result` is the activity's answer and must be encrypted like any payload.
  if (v.markerName === 'core_local_activity') {
    const details = v.details as Record<string, unknown> | undefined;
    expect(Object.keys(details ?? {}).sort()).toEqual(['data', 'result']);
    return payloadsIn(details!.result, out);
  }
  if (v.metadata && typeof v.metadata === 'object' && ArrayBuffer.isView(v.data)) {
    out.push(v as unknown as { metadata: Record<string, Uint8Array>; data: Uint8Array });
    return out;
  }
  for (const child of Object.values(v)) payloadsIn(child, out);
  return out;
}

describe('data secrecy, end to end', () => {
  const workflowId = fulfillmentWorkflowId('demo', '1101');

  it('delivers: codes emailed, masked in the storefront note, status completed', async () => {
    const res = await postWoo(
      stack.apiUrl,
      'demo',
      wooOrder(1101, [
        { sku: 'PSN-US-50', quantity: 2, total: '105.98' },
        { sku: 'PSN-US-10', quantity: 1, total: '10.99' },
      ]),
    );
    expect(res.status).toBe(202);
    const result = (await stack.env.client.workflow.getHandle(workflowId).result()) as FulfillmentStatus;
    expect(result.state).toBe('delivered');

    const codes = await orderCodes('1101');
    expect(codes).toHaveLength(3);

    // The delivered email carries every code, to the customer only.
    const delivered = smtp.messages.filter((m) => /codes are ready/.test(m.subject));
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.to).toEqual(['buyer1101@example.test']);
    for (const code of codes) expect(delivered[0]!.text).toContain(code);
    expect(delivered[0]!.text).toContain('help@shop.test');
    const rows = await stack.db.notification.findMany({ where: { order: { workflowId }, channel: 'email' } });
    expect(rows.find((r) => r.template === 'delivered')).toMatchObject({ status: 'sent' });
    expect(rows.find((r) => r.template === 'delivered')!.messageId).toMatch(/^<[0-9a-f]{32}@shop\.test>$/);

    // WooCommerce: one private note with masked codes, then status completed; auth checked.
    expect(woo.rejected).toEqual([]);
    const notes = woo.calls.filter(
      (c) => c.method === 'POST' && c.path === '/wp-json/wc/v3/orders/1101/notes',
    );
    expect(notes).toHaveLength(1);
    const note = (notes[0]!.body as { note: string; customer_note: boolean }).note;
    for (const code of codes) {
      expect(note).toContain(code.replace(/-/g, '').slice(-4));
      expect(note).not.toContain(code);
    }
    expect((notes[0]!.body as { customer_note: boolean }).customer_note).toBe(false);
    expect(woo.status.get('1101')).toBe('completed');
    expect(findCodeLeaks(stack.sandbox.stats.codesIssued, { woo: JSON.stringify(woo.calls) })).toEqual([]);
  });

  it('keeps every issued code out of the Temporal history bytes', async () => {
    const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
    const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
    expect(history.events!.length).toBeGreaterThan(10);
    for (const code of stack.sandbox.stats.codesIssued) {
      expect(bytes.includes(Buffer.from(code))).toBe(false);
      expect(bytes.includes(Buffer.from(code.replace(/-/g, '')))).toBe(false);
    }
    const payloads = payloadsIn(history);
    expect(payloads.length).toBeGreaterThan(5);
    for (const p of payloads) expect(Buffer.from(p.metadata.encoding!).toString()).toBe('binary/encrypted');
  });

  it('decodes the history through the codec endpoint for an authorised caller', async () => {
    const history = await stack.env.client.workflow.getHandle(workflowId).fetchHistory();
    const payloads = payloadsIn(history).map((p) => ({
      metadata: Object.fromEntries(
        Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      ),
      data: Buffer.from(p.data).toString('base64'),
    }));
    const call = (auth?: string) =>
      fetch(`${stack.apiUrl}/codec/decode`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Namespace': 'default',
          ...(auth ? { Authorization: auth } : {}),
        },
        body: JSON.stringify({ payloads }),
      });
    expect((await call()).status).toBe(401);
    const res = await call(`Bearer ${stack.config.api.adminToken}`);
    expect(res.status).toBe(200);
    const decoded = ((await res.json()) as { payloads: { data: string }[] }).payloads
      .map((p) => Buffer.from(p.data, 'base64').toString('utf8'))
      .join('\n');
    // The supplier callback signal carried the codes: decoded, they are there again.
    for (const code of await orderCodes('1101')) expect(decoded).toContain(code);
    expect(decoded).toContain('"storeId":"demo"');
  });

  it('resends the codes email on request, always with every code', async () => {
    const before = smtp.messages.length;
    const result = await resendNotice(
      { db: stack.db, notifier },
      { workflowId: fulfillmentWorkflowId('demo', '1101'), by: 'support:alice' },
    );
    expect(result.codes).toBe(3);
    expect(smtp.messages).toHaveLength(before + 1);
    const mail = smtp.messages.at(-1)!;
    for (const code of await orderCodes('1101')) expect(mail.text).toContain(code);
    const row = await stack.db.notification.findUniqueOrThrow({ where: { dedupeKey: result.dedupeKey } });
    expect(row).toMatchObject({ status: 'sent', template: 'delivered', requestedBy: 'support:alice' });
    // The resend is on the order's timeline too, naming who asked and the notice it sent.
    const event = await stack.db.fulfillmentEvent.findUniqueOrThrow({
      where: { dedupeKey: result.dedupeKey },
    });
    expect(event).toMatchObject({
      type: 'notice.resent',
      status: 'sent',
      details: { template: 'delivered', requestedBy: 'support:alice', notification: result.dedupeKey },
    });
    await expect(
      resendNotice(
        { db: stack.db, notifier },
        { workflowId: fulfillmentWorkflowId('demo', 'nope'), by: 'x' },
      ),
    ).rejects.toThrow(/no order recorded for fulfill:demo:nope/);
  });

  it('logs nothing secret (mail logger too; the stack checks its own logs on stop)', () => {
    const leaks = findCodeLeaks(stack.sandbox.stats.codesIssued, {
      'mail logs': mailLogs.text(),
      logs: stack.logs.text(),
      responses: stack.responses.join('\n'),
    });
    expect(leaks).toEqual([]);
    expect(mailLogs.text()).not.toContain('buyer1101@');
    expect(mailLogs.text()).toContain('customer notice sent');
  });
});
