// The README's first hour, for real: `npm start` exactly as a new user runs it (its prestart
// step, the demo configuration of .env.example, every part a child of the supervisor), then
// every sh block of README.md as written (only the API and supplier ports are rewritten to
// this run's free ones), then a killed worker (restarted by the supervisor; the order it held
// completes), then Ctrl-C (one clean shutdown, no error, exit 0).
import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseEnv, promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ROOT, spawnChild, waitUntil, type Child } from '../scripts/lib/processes';
import { loadConfig } from '../src/config';
import { fulfillmentWorkflowId, statusQuery } from '../src/shared/contract';
import { createPayloadCodec } from '../src/temporal/codec';

const run = promisify(execFile);
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const DEMO = parseEnv(readFileSync(path.join(ROOT, '.env.example'), 'utf8'));

/** Blocks that cannot run against a dev stack, each with the reason (matched by first line). */
const NOT_HERE: Record<string, string> = {
  'npm start     # run it': 'the two commands: this test runs them',
  'npm start -- --without worker': 'starts a second stack',
  'STORE_WEBHOOK_SECRETS=\'{"mystore"': 'a configuration template with placeholders',
  '# CLI: decoded history and query results': 'starts a second dev server',
  'cp .env.production.example .env': 'docker-compose: no Docker engine here (test/deploy-compose.test.ts)',
  'npm run lint': 'what CI itself runs',
  'curl -X PUT "https://shop.example.com/wp-json/wc/v3/webhooks': "the merchant's own WooCommerce store",
};

interface Block {
  first: string;
  script: string;
  line: number;
}

function blocks(): Block[] {
  const out: Block[] = [];
  const re = /```sh\n([\s\S]*?)```/g;
  for (let m = re.exec(README); m; m = re.exec(README))
    out.push({
      first: m[1]!.split('\n')[0]!,
      script: m[1]!,
      line: README.slice(0, m.index).split('\n').length,
    });
  return out;
}
const skipReason = (b: Block) => Object.entries(NOT_HERE).find(([start]) => b.first.startsWith(start))?.[1];

let dir: string;
let start: Child;
let ports: Record<string, number>;
let client: Client;
let connection: Connection;
let env: Record<string, string>;

async function sh(script: string) {
  try {
    const { stdout, stderr } = await run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: ROOT,
      env,
      timeout: 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const state = async (orderId: string) =>
  (await client.workflow.getHandle(fulfillmentWorkflowId('demo', orderId)).query(statusQuery)).state;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'cb-readme-'));
  ports = {};
  for (const name of ['api', 'temporal', 'ui', 'sandbox', 'db', 'metrics', 'sdk'])
    ports[name] = await freePort();
  env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    ...(process.env.TEMPORAL_CLI_PATH ? { TEMPORAL_CLI_PATH: process.env.TEMPORAL_CLI_PATH } : {}),
    // The demo configuration, as `npm start` would copy it to .env; only the ports differ.
    ENV_FILE: path.join(ROOT, '.env.example'),
    DATA_DIR: dir,
    API_PORT: String(ports.api),
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    TEMPORAL_UI_PORT: String(ports.ui),
    SANDBOX_SUPPLIER_PORT: String(ports.sandbox),
    SUPPLIER_BASE_URL: `http://127.0.0.1:${ports.sandbox}`,
    EMBEDDED_DB_PORT: String(ports.db),
    WORKER_METRICS_PORT: String(ports.metrics),
    TEMPORAL_SDK_METRICS_PORT: String(ports.sdk),
  };
  // Its own process group, so the test can press Ctrl-C the way a terminal does.
  start = spawnChild('npm start', 'npm', ['start'], env, { detached: true, stopTimeoutMs: 60_000 });
  await waitUntil('npm start', async () => start.output().includes('Press Ctrl-C to stop everything'), {
    proc: start,
    timeoutMs: 240_000,
    everyMs: 500,
  });
  await waitUntil('the API', async () => (await fetch(`http://127.0.0.1:${ports.api}/readyz`)).ok, {
    proc: start,
  });
  connection = await Connection.connect({ address: env.TEMPORAL_ADDRESS });
  client = new Client({
    connection,
    dataConverter: { payloadCodecs: [createPayloadCodec(loadConfig({ ...DEMO, NODE_ENV: 'test' }))] },
  });
}, 300_000);

afterAll(async () => {
  await connection?.close();
  if (start?.alive()) {
    process.kill(-start.child.pid!, 'SIGINT');
    await start.stop('SIGKILL', 60_000);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('README.md', () => {
  it('skips only blocks that cannot run against a dev stack, and each skip still matches', () => {
    const all = blocks();
    for (const start of Object.keys(NOT_HERE))
      expect(
        all.some((b) => b.first.startsWith(start)),
        `no README block starts with ${start}`,
      ).toBe(true);
    expect(all.filter((b) => !skipReason(b)).length).toBeGreaterThanOrEqual(7);
  });

  it('runs every example as written against a fresh `npm start`', async () => {
    const outputs: string[] = [];
    for (const block of blocks()) {
      if (skipReason(block)) continue;
      const script = block.script
        .replace(/(localhost|127\.0\.0\.1):3000/g, `127.0.0.1:${ports.api}`)
        .replace(/(localhost|127\.0\.0\.1):4010/g, `127.0.0.1:${ports.sandbox}`);
      const out = await sh(script);
      const where = `README line ${block.line}:\n${script}\n--- stdout\n${out.stdout}\n--- stderr\n${out.stderr}`;
      expect(out.code, where).toBe(0);
      // Every answer is a success: no error object from the API, no 4xx/5xx page.
      expect(out.stdout, where).not.toMatch(/"error"\s*:|Cannot POST|Not Found/);
      outputs.push(out.stdout);
      if (block.first.startsWith('BODY=\'{"id":1042')) {
        expect(out.stdout, where).toContain('"workflowId":"fulfill:demo:1042"');
        await expect.poll(() => state('1042'), { timeout: 60_000, interval: 500 }).toBe('delivered');
      }
      if (block.first.startsWith('T=$(npm run -s temporal:install)')) {
        // The status query is decoded (the codec variables of the block), not ciphertext.
        expect(out.stdout, where).toMatch(/"state":\s*"delivered"/);
        expect(out.stdout, where).toMatch(/^notice {4}email {6}delivered/m);
        expect(out.stdout, where).toMatch(/^notice {4}storefront delivered/m);
      }
    }
    expect(outputs.length).toBeGreaterThanOrEqual(7);
    // The Standard Webhooks order and the Pay'nUp payment for it were taken.
    await expect.poll(() => state('2001'), { timeout: 60_000, interval: 500 }).toBe('delivered');
  }, 600_000);

  it('restarts a killed worker, and the order it held completes', async () => {
    const pid = Number(/\[start\] worker started \(pid (\d+)\)/.exec(start.output())?.[1]);
    expect(pid).toBeGreaterThan(0);
    // The supplier delivers 8 s after accepting: the worker holds the order meanwhile.
    await fetch(`http://127.0.0.1:${ports.sandbox}/__sandbox/rules`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ match: 'cb_demo_1045_', behaviour: { fulfilDelayMs: 8_000 } }),
    });
    const body = JSON.stringify({
      id: 1045,
      status: 'processing',
      currency: 'USD',
      total: '10.99',
      payment_method: 'stripe',
      date_paid_gmt: new Date().toISOString().slice(0, 19),
      billing: { email: 'buyer@example.com' },
      line_items: [{ id: 1, sku: 'PSN-US-10', quantity: 1, total: '10.99' }],
      meta_data: [],
    });
    const secret = JSON.parse(DEMO.STORE_WEBHOOK_SECRETS!).demo.woocommerce[0] as string;
    const res = await fetch(`http://127.0.0.1:${ports.api}/webhooks/woocommerce/demo`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-WC-Webhook-Signature': createHmac('sha256', secret).update(body).digest('base64'),
      },
      body,
    });
    expect(res.status).toBe(202);
    await expect.poll(() => state('1045'), { timeout: 30_000, interval: 250 }).toBe('awaiting_supplier');

    process.kill(pid, 'SIGKILL');
    await waitUntil(
      'the restart',
      async () => /worker exited \(SIGKILL\); restarting in/.test(start.output()),
      {
        proc: start,
        timeoutMs: 10_000,
      },
    );
    await waitUntil(
      'a new worker',
      async () => [...start.output().matchAll(/\[start\] worker started \(pid (\d+)\)/g)].length >= 2,
      { proc: start, timeoutMs: 30_000 },
    );
    await expect.poll(() => state('1045'), { timeout: 90_000, interval: 500 }).toBe('delivered');
    // Nothing else was restarted.
    expect(start.output()).not.toMatch(/(api|temporal|sandbox-supplier) exited/);
  }, 180_000);

  it('stops cleanly on Ctrl-C: every part once, no error', async () => {
    const before = start.output().length;
    process.kill(-start.child.pid!, 'SIGINT');
    const timer = setTimeout(() => start.child.kill('SIGKILL'), 60_000);
    const exit = await start.exited;
    clearTimeout(timer);
    const tail = start.output().slice(before);
    // npm ends the way the terminal's Ctrl-C asked (by SIGINT) once its script has exited 0;
    // a script that failed would make it exit with that code instead.
    expect(
      [JSON.stringify({ code: 0, signal: null }), JSON.stringify({ code: null, signal: 'SIGINT' })],
      tail,
    ).toContain(JSON.stringify(exit));
    expect(tail).toContain('[start] embedded database stopped');
    for (const part of ['api', 'worker', 'sandbox-supplier', 'temporal'])
      expect(tail).toContain(`[start] ${part} stopped`);
    expect(tail).not.toMatch(/IllegalStateError|exited \(|restarting/);
  }, 90_000);
});
