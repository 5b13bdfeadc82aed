// Hostile traffic at scale: forged, replayed and malformed deliveries to every webhook endpoint,
// shuffled in with real signed orders. Each request carries what a correct API must answer;
// the run reports every request whose answer was wrong (a forged one let through, a real one
// refused, any 5xx or dropped connection).
import { createHmac, randomBytes } from 'node:crypto';
import {
  paynupToken,
  pocketsflowBody,
  pocketsflowHeaders,
  standardHeaders,
  standardOrder,
} from '../../test/support/webhooks';
import { wooOrder, wooSignature } from '../../test/support/woo';
import {
  PAYNUP_API_ID,
  PAYNUP_KEY,
  POCKETSFLOW_SECRET,
  STANDARD_SECRET,
  SUPPLIER_WEBHOOK_SECRET,
  wooSecret,
} from './stack';

/**
 * accepted: 202, an order moved; duplicate: 200 from the receipts; acknowledged: a verified
 * WooCommerce delivery that can't be an order, answered 200 so WooCommerce never disables the
 * webhook (it starts nothing); refused: 4xx.
 */
type Expect = 'accepted' | 'duplicate' | 'acknowledged' | 'refused';
interface HostileRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  expect: Expect;
  /** Real orders: the store order id that must end delivered. */
  realOrder?: string;
}

export interface HostileResult {
  requests: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  real: number;
  forgedMalformedReplayed: number;
  wrong: { kind: string; status: number; expect: Expect }[];
  realOrders: string[];
  seconds: number;
}

const b = (s: string) => Buffer.from(s);
const flip = (buf: Buffer) => {
  const c = Buffer.from(buf);
  const at = Math.floor(Math.random() * c.length);
  c[at] = c[at]! ^ 0x20;
  return c;
};
const WOO_JSON = { 'Content-Type': 'application/json', 'X-WC-Webhook-Topic': 'order.updated' };

function realWoo(store: string, id: number): HostileRequest {
  const body = JSON.stringify(wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
  return {
    kind: 'real woocommerce',
    path: `/webhooks/woocommerce/${store}`,
    headers: { ...WOO_JSON, 'X-WC-Webhook-Signature': wooSignature(body, wooSecret(store)) },
    body: b(body),
    expect: 'accepted',
    realOrder: String(id),
  };
}

function realStandard(store: string, id: number): HostileRequest {
  const body = JSON.stringify(
    standardOrder(String(id), {
      lines: [{ sku: 'PSN-US-10', quantity: 1, unitPrice: '10.99' }],
      total: '10.99',
    }),
  );
  return {
    kind: 'real standard',
    path: `/webhooks/standard/${store}`,
    headers: standardHeaders(body, { id: `msg_${store}_${id}`, secret: STANDARD_SECRET }),
    body: b(body),
    expect: 'accepted',
    realOrder: String(id),
  };
}

/** One forged or malformed delivery, chosen by `n`. `id` is an order id no real request uses. */
async function hostile(store: string, n: number, id: number): Promise<HostileRequest> {
  const wooBody = JSON.stringify(wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
  const stdBody = JSON.stringify(standardOrder(String(id)));
  const pfBody = JSON.stringify(pocketsflowBody(`pf_${id}`, id));
  const at = new Date().toISOString();
  const supBody = JSON.stringify({
    id: `evt_${id}`,
    type: 'order.completed',
    createdAt: at,
    data: {
      id: `sup_${id}`,
      externalOrderId: `cb_${store}_${id}_b1`,
      status: 'completed',
      lines: [{ sku: 'PSN-US-10', quantity: 1, codes: [{ code: 'FAKE-FAKE-FAKE-FAKE' }], failedQuantity: 0 }],
      createdAt: at,
      updatedAt: at,
    },
  });
  const woo = (
    kind: string,
    body: Buffer,
    headers: Record<string, string>,
    path = `/webhooks/woocommerce/${store}`,
    expect: Expect = 'refused',
  ) => ({
    kind,
    path,
    headers,
    body,
    expect,
  });
  const cases: (() => Promise<HostileRequest> | HostileRequest)[] = [
    () =>
      woo('woo forged: wrong secret', b(wooBody), {
        ...WOO_JSON,
        'X-WC-Webhook-Signature': wooSignature(wooBody, 'not-the-secret-at-all-000'),
      }),
    () =>
      woo('woo forged: body changed after signing', flip(b(wooBody)), {
        ...WOO_JSON,
        'X-WC-Webhook-Signature': wooSignature(wooBody, wooSecret(store)),
      }),
    () => woo('woo forged: no signature', b(wooBody), WOO_JSON),
    () =>
      woo('woo forged: random signature', b(wooBody), {
        ...WOO_JSON,
        'X-WC-Webhook-Signature': randomBytes(32).toString('base64'),
      }),
    () =>
      woo(
        'woo unknown store',
        b(wooBody),
        { ...WOO_JSON, 'X-WC-Webhook-Signature': wooSignature(wooBody, wooSecret(store)) },
        '/webhooks/woocommerce/no-such-store',
      ),
    () => {
      const body = `{"id":${id},"status":"processing","line_items":[`;
      return woo(
        'woo malformed: signed, truncated JSON',
        b(body),
        { ...WOO_JSON, 'X-WC-Webhook-Signature': wooSignature(body, wooSecret(store)) },
        undefined,
        'acknowledged',
      );
    },
    () => {
      const body = JSON.stringify({ id: 'x', status: 'processing', line_items: 'none', total: -1 });
      return woo(
        'woo malformed: signed, wrong shape',
        b(body),
        { ...WOO_JSON, 'X-WC-Webhook-Signature': wooSignature(body, wooSecret(store)) },
        undefined,
        'acknowledged',
      );
    },
    () =>
      woo('woo malformed: wrong content type', b(wooBody), {
        'Content-Type': 'text/xml',
        'X-WC-Webhook-Signature': wooSignature(wooBody, wooSecret(store)),
      }),
    () => {
      const body = JSON.stringify({ ...JSON.parse(wooBody), pad: 'x'.repeat(300 * 1024) });
      return woo('woo malformed: body over the limit', b(body), {
        ...WOO_JSON,
        'X-WC-Webhook-Signature': wooSignature(body, wooSecret(store)),
      });
    },
    () => ({
      kind: 'standard forged: wrong secret',
      path: `/webhooks/standard/${store}`,
      headers: standardHeaders(stdBody, {
        id: `forged_${id}`,
        secret: 'whsec_bm90LXRoZS1yZWFsLXNlY3JldC0wMDAx',
      }),
      body: b(stdBody),
      expect: 'refused',
    }),
    () => ({
      kind: 'standard replay: stale timestamp',
      path: `/webhooks/standard/${store}`,
      headers: standardHeaders(stdBody, {
        id: `stale_${id}`,
        secret: STANDARD_SECRET,
        ts: Math.floor(Date.now() / 1000) - 3_600,
      }),
      body: b(stdBody),
      expect: 'refused',
    }),
    () => {
      const body = JSON.stringify({ type: 'order.created', data: { orderId: String(id), lines: [] } });
      return {
        kind: 'standard malformed: signed, wrong shape',
        path: `/webhooks/standard/${store}`,
        headers: standardHeaders(body, { id: `shape_${id}`, secret: STANDARD_SECRET }),
        body: b(body),
        expect: 'refused',
      };
    },
    () => ({
      kind: 'pocketsflow forged: wrong secret',
      path: `/webhooks/pocketsflow/${store}`,
      headers: pocketsflowHeaders(pfBody, { secret: 'not-the-pocketsflow-secret' }),
      body: b(pfBody),
      expect: 'refused',
    }),
    () => ({
      kind: 'pocketsflow replay: stale timestamp',
      path: `/webhooks/pocketsflow/${store}`,
      headers: pocketsflowHeaders(pfBody, { secret: POCKETSFLOW_SECRET, ts: Date.now() - 3_600_000 }),
      body: b(pfBody),
      expect: 'refused',
    }),
    async () => ({
      kind: 'paynup forged: wrong key',
      path: `/webhooks/paynup/${store}`,
      headers: { 'Content-Type': 'application/jwt' },
      body: b(
        await paynupToken(
          { jti: `tx-${id}`, orderNumber: String(id), amount: '10.99', status: 'SOLD' },
          { key: 'not-the-paynup-key-0000', iss: PAYNUP_API_ID },
        ),
      ),
      expect: 'refused',
    }),
    async () => ({
      kind: 'paynup: valid token, unknown order',
      path: `/webhooks/paynup/${store}`,
      headers: { 'Content-Type': 'application/jwt' },
      body: b(
        await paynupToken(
          { jti: `tx-${id}`, orderNumber: String(id), amount: '10.99', status: 'SOLD' },
          { key: PAYNUP_KEY, iss: PAYNUP_API_ID },
        ),
      ),
      expect: 'refused',
    }),
    () => {
      const seg = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return {
        kind: 'paynup forged: alg none',
        path: `/webhooks/paynup/${store}`,
        headers: { 'Content-Type': 'application/jwt' },
        body: b(
          `${seg({ alg: 'none', typ: 'JWT' })}.${seg({ iss: PAYNUP_API_ID, orderNumber: String(id), status: 'SOLD' })}.`,
        ),
        expect: 'refused',
      };
    },
    () => ({
      kind: 'supplier forged: wrong secret',
      path: '/webhooks/supplier',
      headers: {
        'Content-Type': 'application/json',
        'X-Signature': createHmac('sha256', 'guessed-supplier-secret').update(supBody).digest('hex'),
      },
      body: b(supBody),
      expect: 'refused',
    }),
    () => ({
      kind: 'supplier: signed, order never placed',
      path: '/webhooks/supplier',
      headers: {
        'Content-Type': 'application/json',
        'X-Signature': createHmac('sha256', SUPPLIER_WEBHOOK_SECRET).update(supBody).digest('hex'),
      },
      body: b(supBody),
      expect: 'refused',
    }),
    () => ({
      kind: 'random bytes',
      path:
        ['/webhooks/woocommerce/', '/webhooks/standard/', '/webhooks/pocketsflow/', '/webhooks/paynup/'][
          n % 4
        ]! + store,
      headers: { 'Content-Type': 'application/json' },
      body: randomBytes(1 + (n % 2000)),
      expect: 'refused',
    }),
  ];
  return cases[n % cases.length]!();
}

/**
 * Sends `total` requests to apiUrl: `realCount` real orders (half WooCommerce, half Standard
 * Webhooks), a replay of each real one after it was accepted, and forged or malformed ones for
 * the rest, all shuffled, `concurrency` at a time.
 */
export async function runHostile(opts: {
  apiUrl: string;
  store: string;
  total: number;
  realCount: number;
  concurrency?: number;
  firstId?: number;
}): Promise<HostileResult> {
  const first = opts.firstId ?? 100_000;
  const real = Array.from({ length: opts.realCount }, (_, i) =>
    i % 2 ? realStandard(opts.store, first + i) : realWoo(opts.store, first + i),
  );
  const hostileCount = opts.total - 2 * opts.realCount;
  const wave1: HostileRequest[] = [...real];
  const wave2: HostileRequest[] = real.map((r) => ({
    ...r,
    kind: `replay of ${r.kind}`,
    expect: 'duplicate',
    realOrder: undefined,
  }));
  for (let i = 0; i < hostileCount; i++)
    (i % 2 ? wave2 : wave1).push(await hostile(opts.store, i, first + opts.realCount + 1 + i));
  const shuffle = <T>(a: T[]) => {
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  };
  const result: HostileResult = {
    requests: 0,
    byKind: {},
    byStatus: {},
    real: real.length,
    forgedMalformedReplayed: opts.total - real.length,
    wrong: [],
    realOrders: real.map((r) => r.realOrder!),
    seconds: 0,
  };
  const t0 = Date.now();
  for (const wave of [shuffle(wave1), shuffle(wave2)]) {
    await Promise.all(
      Array.from({ length: opts.concurrency ?? 16 }, async () => {
        for (let r = wave.shift(); r; r = wave.shift()) {
          const { status, body } = await fetch(`${opts.apiUrl}${r.path}`, {
            method: 'POST',
            headers: r.headers,
            body: r.body,
            signal: AbortSignal.timeout(30_000),
          }).then(
            async (res) => ({ status: res.status, body: await res.text() }),
            () => ({ status: 0, body: '' }),
          );
          result.requests++;
          result.byKind[r.kind] = (result.byKind[r.kind] ?? 0) + 1;
          result.byStatus[status] = (result.byStatus[status] ?? 0) + 1;
          const ok =
            r.expect === 'accepted'
              ? status === 202
              : r.expect === 'duplicate'
                ? status === 200 && /"duplicate":true/.test(body)
                : r.expect === 'acknowledged'
                  ? status === 200 && !/"workflowId"/.test(body)
                  : status >= 400 && status < 500;
          if (!ok) result.wrong.push({ kind: r.kind, status, expect: r.expect });
        }
      }),
    );
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}
