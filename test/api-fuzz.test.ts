// Property-based: thousands of random and mutated deliveries at every webhook endpoint. Every one
// must be refused with a 4xx, the process must stay up, and nothing may start, be signalled or be
// recorded. Each mutated case starts from a correctly signed request and breaks it on purpose.
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from './support/stack';
import {
  PAYNUP_API_ID,
  PAYNUP_KEY_NEW,
  POCKETSFLOW_SECRET,
  STANDARD_SECRET_NEW,
  allWorkflowIds,
  paynupToken,
  pocketsflowBody,
  pocketsflowHeaders,
  standardHeaders,
  standardOrder,
} from './support/webhooks';
import { postWoo, wooOrder, wooSignature } from './support/woo';

const WOO_SECRET = 'test-woo-secret-new-0002';
const SUPPLIER_SECRET = 'test-supplier-webhook-secret';
const RUNS = Number(process.env.FUZZ_RUNS ?? 300); // per endpoint and kind: 5 x 2 x 300 = 3000 requests

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    env: {
      API_RATE_LIMIT: '1000000',
      STORE_WEBHOOK_SECRETS: JSON.stringify({
        demo: {
          woocommerce: [WOO_SECRET],
          standard: [STANDARD_SECRET_NEW],
          pocketsflow: [POCKETSFLOW_SECRET],
        },
      }),
      PAYNUP_API_ID,
      PAYNUP_API_KEYS: PAYNUP_KEY_NEW,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

interface Req {
  path: string;
  body: Buffer;
  headers: Record<string, string>;
}

type Endpoint = {
  name: string;
  signatureHeader?: string;
  timestampHeader?: { name: string; unitMs: number };
  /** A correctly signed, well-formed delivery. */
  valid(orderId: number): Promise<Req>;
};

const endpoints: Endpoint[] = [
  {
    name: 'woocommerce',
    signatureHeader: 'X-WC-Webhook-Signature',
    valid: async (id) => {
      const body = JSON.stringify(wooOrder(id, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]));
      return {
        path: '/webhooks/woocommerce/demo',
        body: Buffer.from(body),
        headers: {
          'Content-Type': 'application/json',
          'X-WC-Webhook-Signature': wooSignature(body, WOO_SECRET),
        },
      };
    },
  },
  {
    name: 'standard',
    signatureHeader: 'webhook-signature',
    timestampHeader: { name: 'webhook-timestamp', unitMs: 1000 },
    valid: async (id) => {
      const body = JSON.stringify(standardOrder(`F-${id}`));
      return {
        path: '/webhooks/standard/demo',
        body: Buffer.from(body),
        headers: standardHeaders(body, { id: `fuzz_${id}` }),
      };
    },
  },
  {
    name: 'pocketsflow',
    signatureHeader: 'X-Pocketsflow-Signature',
    timestampHeader: { name: 'X-Pocketsflow-Timestamp', unitMs: 1 },
    valid: async (id) => {
      const body = JSON.stringify(pocketsflowBody(`pf_${id}`, id));
      return {
        path: '/webhooks/pocketsflow/demo',
        body: Buffer.from(body),
        headers: pocketsflowHeaders(body),
      };
    },
  },
  {
    // A valid token here still names an order cardbridge does not know: 410, nothing starts.
    name: 'paynup',
    valid: async (id) => ({
      path: '/webhooks/paynup/demo',
      body: Buffer.from(
        await paynupToken({ jti: `tx-${id}`, orderNumber: String(id), amount: '10.99', status: 'SOLD' }),
      ),
      headers: { 'Content-Type': 'application/jwt' },
    }),
  },
  {
    // A valid event here names an order with no workflow: 404, nothing starts.
    name: 'supplier',
    signatureHeader: 'X-Signature',
    valid: async (id) => {
      const at = new Date().toISOString();
      const body = JSON.stringify({
        id: `evt_${id}`,
        type: 'order.completed',
        createdAt: at,
        data: {
          id: `sup_${id}`,
          externalOrderId: `cb_demo_${id}_b1`,
          status: 'completed',
          lines: [{ sku: 'PSN-US-10', quantity: 1, codes: [{ code: 'AAAA-BBBB-CCCC' }], failedQuantity: 0 }],
          createdAt: at,
          updatedAt: at,
        },
      });
      return {
        path: '/webhooks/supplier',
        body: Buffer.from(body),
        headers: {
          'Content-Type': 'application/json',
          'X-Signature': createHmac('sha256', SUPPLIER_SECRET).update(body).digest('hex'),
        },
      };
    },
  },
];

/** Mutations that each make a signed delivery invalid (body changed, signature or time broken). */
type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'append'; junk: Uint8Array }
  | { kind: 'dropSignature' }
  | { kind: 'randomSignature'; value: string }
  | { kind: 'shiftTime'; seconds: number }
  | { kind: 'contentType'; value: string };

const headerValue = fc.stringMatching(/^[!-~]{0,80}$/);
const badTypes = fc.constantFrom(
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/jsonp',
  'text/json',
  'image/png',
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), junk: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.constant({ kind: 'dropSignature' as const }),
  fc.record({ kind: fc.constant('randomSignature' as const), value: headerValue }),
  fc.record({
    kind: fc.constant('shiftTime' as const),
    seconds: fc.oneof(fc.integer({ min: 301, max: 10_000_000 }), fc.integer({ min: -10_000_000, max: -301 })),
  }),
  fc.record({ kind: fc.constant('contentType' as const), value: badTypes }),
);

/** Applies a mutation; returns false when it does not apply to this endpoint (the case is skipped). */
function mutate(ep: Endpoint, req: Req, m: Mutation): boolean {
  switch (m.kind) {
    case 'flip': {
      const at = m.at % req.body.length;
      req.body = Buffer.from(req.body);
      req.body[at] = req.body[at]! ^ m.mask;
      return true;
    }
    case 'truncate':
      req.body = req.body.subarray(0, m.keep % req.body.length);
      return true;
    case 'append':
      req.body = Buffer.concat([req.body, m.junk]);
      return true;
    case 'dropSignature':
      if (!ep.signatureHeader) return false;
      delete req.headers[ep.signatureHeader];
      return true;
    case 'randomSignature':
      if (!ep.signatureHeader) return false;
      req.headers[ep.signatureHeader] = m.value;
      return true;
    case 'shiftTime': {
      if (!ep.timestampHeader) return false;
      const { name, unitMs } = ep.timestampHeader;
      req.headers[name] = String(Number(req.headers[name]) + Math.round((m.seconds * 1000) / unitMs));
      return true;
    }
    case 'contentType':
      req.headers['Content-Type'] = m.value;
      return true;
  }
}

async function send(req: Req): Promise<number> {
  const res = await fetch(`${stack.apiUrl}${req.path}`, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
  });
  await res.arrayBuffer();
  return res.status;
}

const statuses = new Map<number, number>();
const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);

describe('fuzzing every webhook endpoint', () => {
  for (const ep of endpoints) {
    it(`${ep.name}: mutated signed deliveries all get a 4xx`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 100_000, max: 999_999 }),
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async (orderId, mutations) => {
            const req = await ep.valid(orderId);
            const original = { body: Buffer.from(req.body), headers: JSON.stringify(req.headers) };
            const applied = mutations.map((m) => mutate(ep, req, m)).some(Boolean);
            // Mutations can cancel out: junk appended then truncated away, or the timestamp moved
            // +301 s then -305 s (net -4 s, inside the window). That request is genuine again and
            // rightly accepted, so it is not a hostile case.
            const timeShift = mutations.reduce((s, m) => s + (m.kind === 'shiftTime' ? m.seconds : 0), 0);
            const withOriginalTime = { ...req.headers };
            if (ep.timestampHeader && Math.abs(timeShift) * 1000 <= stack.config.api.webhookToleranceMs)
              withOriginalTime[ep.timestampHeader.name] = JSON.parse(original.headers)[
                ep.timestampHeader.name
              ];
            const changed =
              !req.body.equals(original.body) || JSON.stringify(withOriginalTime) !== original.headers;
            fc.pre(applied && changed);
            const status = await send(req);
            count(status);
            return status >= 400 && status < 500;
          },
        ),
        { numRuns: RUNS },
      );
    });

    it(`${ep.name}: random bodies and headers all get a 4xx`, async () => {
      const path = (await ep.valid(1)).path;
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.uint8Array({ maxLength: 2048 }),
            fc.json().map((j) => new TextEncoder().encode(j)),
          ),
          fc.dictionary(
            fc.constantFrom(
              'X-WC-Webhook-Signature',
              'webhook-id',
              'webhook-timestamp',
              'webhook-signature',
              'X-Pocketsflow-Signature',
              'X-Pocketsflow-Timestamp',
              'X-Pocketsflow-Event',
              'X-Signature',
              'X-Anything',
            ),
            headerValue,
          ),
          fc.constantFrom(
            'application/json',
            'application/jwt',
            'text/plain',
            'application/octet-stream',
            '',
          ),
          async (body, headers, type) => {
            const status = await send({
              path,
              body: Buffer.from(body),
              headers: type ? { ...headers, 'Content-Type': type } : headers,
            });
            count(status);
            return status >= 400 && status < 500;
          },
        ),
        { numRuns: RUNS },
      );
    });
  }

  it('the process is still up, and nothing was started, signalled or recorded', async () => {
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(endpoints.length * RUNS); // thousands by default
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect((await fetch(`${stack.apiUrl}/healthz`)).status).toBe(200);
    expect(await allWorkflowIds(stack)).toEqual([]);
    await stack.receipts.settled();
    expect(await stack.db.webhookReceipt.count()).toBe(0);

    // And a genuine delivery still goes through.
    const ok = await postWoo(
      stack.apiUrl,
      'demo',
      wooOrder(42, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
    );
    expect(ok.status).toBe(202);
    console.log('fuzz statuses', Object.fromEntries(statuses));
  });
});
