// The pure pieces the webhook and the REST sweep share: the WooCommerce order reader, money in
// minor units, the store-id rule (config and the supplier client order id) and the Standard
// Webhooks key. No server needed.
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { standardSignatureMatches } from '../src/api/hooks/standard';
import { ConfigError, loadConfig, paynupFor } from '../src/config';
import { parseClientOrderId, supplierClientOrderId } from '../src/shared/contract';
import { currencyDecimals, fromMinor, normalizeAmount, toMinor } from '../src/shared/money';
import {
  parseWooOrder,
  settleLaterMethodsOf,
  WooOrderUnreadableError,
} from '../src/storefront/woocommerce-order';
import { ROOT } from './support/stack';

const fixture = (name: string) =>
  JSON.parse(readFileSync(`${ROOT}test/fixtures/woocommerce/${name}`, 'utf8')) as Record<string, unknown>;
const read = (raw: unknown, settleLaterMethods?: string[]) =>
  parseWooOrder(raw, { eventId: 'e1', settleLaterMethods });

describe('money in minor units', () => {
  it('knows 0, 2 and 3 decimal currencies', () => {
    expect([currencyDecimals('JPY'), currencyDecimals('krw'), currencyDecimals('USD')]).toEqual([0, 0, 2]);
    expect(['KWD', 'BHD', 'JOD', 'OMR', 'TND'].map(currencyDecimals)).toEqual([3, 3, 3, 3, 3]);
  });
  it('reads amounts exactly and refuses what the currency cannot have', () => {
    expect(toMinor('10.500', 3)).toBe(10500);
    expect(toMinor('10.5', 3)).toBe(10500);
    expect(toMinor('1000.00', 0)).toBe(1000);
    expect(toMinor('1000.50', 0)).toBeNull();
    expect(toMinor('10.995', 2)).toBeNull();
    expect(toMinor(0.1 + 0.2, 2)).toBe(30);
    expect(toMinor('abc', 2)).toBeNull();
    expect(toMinor(Number.NaN, 2)).toBeNull();
    expect(fromMinor(10500, 3)).toBe('10.500');
    expect(fromMinor(4500, 0)).toBe('4500');
    expect(normalizeAmount('7', 'KWD')).toBe('7.000');
  });
});

describe('parseWooOrder', () => {
  it('reads a paid order with the fields the workflow needs', () => {
    const { orderId, details } = read(fixture('order-updated-paid-usd.json'));
    expect(orderId).toBe('5101');
    expect(details).toMatchObject({
      channel: 'woocommerce',
      status: 'processing',
      paid: true,
      paymentMethod: 'stripe',
      currency: 'USD',
      total: '37.98',
      accountRegion: 'US',
      modifiedAt: '2026-11-30T09:10:11.000Z',
      eventId: 'e1',
    });
    expect(details.lines.map((l) => [l.sku, l.quantity, l.unitPrice])).toEqual([
      ['PSN-US-10', 1, '10.99'],
      ['PSN-US-25', 1, '26.99'],
    ]);
    expect(details.problems).toBeUndefined();
  });

  it('keeps unit prices exact (integer minor units, no float division)', () => {
    const order = fixture('order-updated-paid-usd.json');
    order.line_items = [{ id: 1, sku: 'A', quantity: 3, total: '0.30', price: 0.1 }];
    order.total = '0.30';
    expect(read(order).details.lines[0]!.unitPrice).toBe('0.10');
    order.line_items = [{ id: 1, sku: 'A', quantity: 7, total: '70.07' }];
    expect(read(order).details.lines[0]!.unitPrice).toBe('10.01');
  });

  it('paid needs date_paid; settle-later methods need completed', () => {
    const o = fixture('order-updated-paid-usd.json');
    expect(read({ ...o, date_paid: null, date_paid_gmt: null }).details.paid).toBe(false);
    expect(read({ ...o, date_paid: null }).details.paid).toBe(true); // date_paid_gmt alone is enough
    expect(read({ ...o, status: 'on-hold' }).details.paid).toBe(false);
    expect(read(fixture('order-updated-cod-processing.json')).details.paid).toBe(false);
    expect(read({ ...fixture('order-updated-cod-processing.json'), status: 'completed' }).details.paid).toBe(
      true,
    );
    expect(read(o, ['stripe']).details.paid).toBe(false);
    expect(settleLaterMethodsOf({})).toEqual(['cod', 'bacs', 'cheque']);
    expect(settleLaterMethodsOf({ settleLaterPaymentMethods: ['cod'] })).toEqual(['cod']);
  });

  it('turns what cannot be a normal order into problems, never an exception', () => {
    const nullSku = read(fixture('order-updated-null-sku.json')).details;
    expect(nullSku.lines[0]!.sku).toBe('');
    expect(nullSku.problems).toEqual([
      { code: 'STOREFRONT_DATA', lineNo: 1, message: expect.stringMatching(/no SKU/) as string },
    ]);
    const odd = read(fixture('order-updated-odd-numbers.json')).details;
    expect(odd.problems!.map((p) => p.message).join('\n')).toMatch(
      /order total "10.995"[\s\S]*quantity 0[\s\S]*"-1.00"[\s\S]*quantity 1.5/,
    );
    expect(read({ id: 7, line_items: 'x', currency: 5, total: {} }).details.problems!.length).toBe(4);
  });

  it('only a body without an order id is unreadable', () => {
    expect(() => read({ status: 'processing' })).toThrow(WooOrderUnreadableError);
    expect(() => read([1, 2])).toThrow(WooOrderUnreadableError);
    expect(() => read({ id: -4 })).toThrow(WooOrderUnreadableError);
    expect(read({ id: '5101' }).orderId).toBe('5101');
  });
});

describe('one store-id rule', () => {
  const secrets = (id: string) => JSON.stringify({ [id]: { woocommerce: ['a-woocommerce-secret-0001'] } });

  it('config refuses a store id with "_" and says why', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', STORE_WEBHOOK_SECRETS: secrets('my_store') })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', STORE_WEBHOOK_SECRETS: secrets('my_store') })).toThrow(
      /my_store is not a store id.*no "_"/,
    );
    expect(
      loadConfig({ NODE_ENV: 'test', STORE_WEBHOOK_SECRETS: secrets('my-store') }).storeSecrets,
    ).toHaveProperty('my-store');
  });

  it('the supplier client order id round-trips, whatever the order id holds', () => {
    for (const [store, order] of [
      ['my-store', '1042'],
      ['my-store', 'A_b1'],
      ['s1', 'x_y_z_b2'],
      ['shop', 'INV-2026.11_30'],
      ['a', 'Q_b9'],
    ] as const) {
      const id = supplierClientOrderId(store, order, 3);
      expect(parseClientOrderId(id)).toEqual({ storeId: store, orderId: order, batch: 3 });
    }
    // The old ambiguity: cb_my_store_1042_b1 decodes as store "my"; a store "my_store" that
    // would produce it can no longer be configured (above).
    expect(parseClientOrderId('cb_my_store_1042_b1')).toEqual({
      storeId: 'my',
      orderId: 'store_1042',
      batch: 1,
    });
  });
});

describe("Pay'nUp credentials per store", () => {
  it('a store uses its own keys; the global ones are the default of a one-store install only', () => {
    const one = loadConfig({
      NODE_ENV: 'test',
      STORE_WEBHOOK_SECRETS: JSON.stringify({ a: { woocommerce: ['a-woocommerce-secret-0001'] } }),
      PAYNUP_API_ID: 'GLOBALID',
      PAYNUP_API_KEYS: 'global-paynup-key-000001',
    });
    expect(paynupFor(one, 'a')).toEqual({ apiId: 'GLOBALID', apiKeys: ['global-paynup-key-000001'] });
    const two = {
      a: { paynup: { apiId: 'AID', apiKeys: ['store-a-paynup-key-0001'] } },
      b: { paynup: { apiId: 'BID', apiKeys: ['store-b-paynup-key-0001'] } },
    };
    const cfg = loadConfig({ NODE_ENV: 'test', STORE_WEBHOOK_SECRETS: JSON.stringify(two) });
    expect(paynupFor(cfg, 'b')).toEqual(two.b.paynup);
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        STORE_WEBHOOK_SECRETS: JSON.stringify(two),
        PAYNUP_API_KEYS: 'global-paynup-key-000001',
      }),
    ).toThrow(/one-store install/);
  });
});

describe('Standard Webhooks secrets', () => {
  it('a secret without whsec_ is base64 too, as the official library reads it', () => {
    const bare = 'dGVzdC1zdGFuZGFyZC1zZWNyZXQtMDAwMQ==';
    const body = Buffer.from('{"a":1}');
    const sig = createHmac('sha256', Buffer.from(bare, 'base64')).update(
      `msg_1.1700000000.${body.toString()}`,
    );
    const header = `v1,${sig.digest('base64')}`;
    expect(standardSignatureMatches([bare], 'msg_1', '1700000000', body, header)).toBe(true);
    expect(standardSignatureMatches([`whsec_${bare}`], 'msg_1', '1700000000', body, header)).toBe(true);
    expect(() =>
      loadConfig({
        NODE_ENV: 'test',
        STORE_WEBHOOK_SECRETS: JSON.stringify({ s: { standard: ['not base64 at all!!'] } }),
      }),
    ).toThrow(/whsec_<base64>/);
  });
});
