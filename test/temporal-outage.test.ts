// The API fails fast while Temporal is away and recovers as soon as it is back (issue 12): the
// real API process, a real dev server (SQLite file, so it restarts with the same state on the same
// port), signed WooCommerce webhooks over HTTP. Figures are printed for the record.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type FreshDatabase } from '../scripts/lib/database';
import { embeddedTemplatePath } from './support/run-assets';
import { freePort, spawnChild, spawnNode, waitUntil, type Child } from '../scripts/lib/processes';
import { devServerArgs, temporalCli, temporalReady } from '../scripts/lib/temporal';
import { createDb } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';

const WOO_SECRET = 'outage-woo-secret-0001';
let dir: string;
let database: FreshDatabase;
let temporal: Child;
let api: Child;
let temporalPort: number;
let apiUrl: string;

const startTemporal = () =>
  spawnChild(
    'temporal',
    temporalCli(),
    devServerArgs({ port: temporalPort, dbFile: path.join(dir, 't.db') }),
    {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dir,
    },
  );
const address = () => `127.0.0.1:${temporalPort}`;

function order(id: number) {
  return JSON.stringify({
    id,
    status: 'processing',
    currency: 'USD',
    total: '10.99',
    payment_method: 'stripe',
    date_paid_gmt: new Date().toISOString().slice(0, 19),
    billing: { email: 'buyer@example.com' },
    line_items: [{ id: 1, sku: 'PSN-US-10', quantity: 1, total: '10.99' }],
    meta_data: [],
  });
}

async function webhook(id: number): Promise<{ status: number; ms: number }> {
  const body = order(id);
  const sig = createHmac('sha256', WOO_SECRET).update(body).digest('base64');
  const t = Date.now();
  const res = await fetch(`${apiUrl}/webhooks/woocommerce/demo`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-WC-Webhook-Signature': sig },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  await res.text();
  return { status: res.status, ms: Date.now() - t };
}

async function readyz(): Promise<{ status: number; ms: number }> {
  const t = Date.now();
  const res = await fetch(`${apiUrl}/readyz`, { signal: AbortSignal.timeout(30_000) });
  await res.text();
  return { status: res.status, ms: Date.now() - t };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cb-outage-'));
  temporalPort = await freePort();
  const apiPort = await freePort();
  apiUrl = `http://127.0.0.1:${apiPort}`;
  temporal = startTemporal();
  database = await freshDatabase(process.env.TEST_DATABASE_URL, undefined, {
    embeddedTemplate: embeddedTemplatePath(),
  });
  const db = createDb(database.url);
  await ensureStore(db, { id: 'demo', settings: { codeSkuPrefixes: ['PSN-'] } });
  await db.$disconnect();
  await waitUntil('the dev server', () => temporalReady(address()), { proc: temporal, timeoutMs: 60_000 });
  api = spawnNode('api', 'src/api/main.ts', {
    PATH: process.env.PATH ?? '',
    ENV_FILE: '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: address(),
    TEMPORAL_TASK_QUEUE: 'outage-no-worker',
    API_PORT: String(apiPort),
    API_SHUTDOWN_DELAY: '0s',
    STORE_WEBHOOK_SECRETS: JSON.stringify({ demo: { woocommerce: [WOO_SECRET] } }),
  });
  await waitUntil('the API', async () => (await readyz()).status === 200, { proc: api });
}, 180_000);

afterAll(async () => {
  await api?.stop('SIGTERM', 10_000);
  await temporal?.stop('SIGTERM', 10_000);
  await database?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Temporal away', () => {
  it('answers 503 within 2 s, and is ready again within 5 s of its return', async () => {
    expect((await webhook(1)).status).toBe(202);

    await temporal.stop('SIGTERM', 10_000);
    const down = [await webhook(2), await webhook(3)];
    const notReady = [await readyz(), await readyz()];
    console.log(
      `Temporal down: webhook ${down.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}; /readyz ${notReady.map((r) => `${r.status} in ${r.ms} ms`).join(', ')}`,
    );
    for (const r of [...down, ...notReady]) {
      expect(r.status).toBe(503);
      expect(r.ms).toBeLessThanOrEqual(2_000);
    }

    temporal = startTemporal();
    await waitUntil('the dev server again', () => temporalReady(address()), {
      proc: temporal,
      timeoutMs: 60_000,
      everyMs: 100,
    });
    const back = Date.now();
    await waitUntil('/readyz 200', async () => (await readyz()).status === 200, {
      everyMs: 100,
      timeoutMs: 30_000,
    });
    const readyAfter = Date.now() - back;
    const again = await webhook(4);
    console.log(
      `Temporal back: /readyz 200 after ${readyAfter} ms; webhook ${again.status} in ${again.ms} ms`,
    );
    expect(readyAfter).toBeLessThanOrEqual(5_000);
    expect(again.status).toBe(202);
    // Nothing was lost: the orders answered 503 are simply sent again.
    expect((await webhook(2)).status).toBe(202);
  }, 180_000);
});
