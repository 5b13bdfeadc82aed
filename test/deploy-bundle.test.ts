// The production worker: `npm run build` output (tsc into dist + the prebuilt workflow bundle)
// runs with plain node, loads the bundle instead of bundling at start, and delivers orders
// against a real Temporal dev server.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCodeVault } from '../src/codes/vault';
import { createRecordingNotifier } from '../src/notify/notifier';
import { createLogger } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { fulfillmentWorkflowId } from '../src/shared/contract';
import { createRecordingStorefronts } from '../src/storefront/recording';
import { createAlphaPsnClient } from '../src/suppliers/alpha-psn';
import { createWorker } from '../src/worker';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle';
import { freePort, readEnvFile, ROOT, stackEnv, startProcess, waitHealthy } from './support/processes';
import { startStack, type Stack } from './support/stack';
import { postWoo, wooOrder } from './support/woo';

// Inside node_modules so the compiled code resolves the installed packages, outside src and dist.
const OUT = path.join(ROOT, 'node_modules/.cache/cardbridge-deploy-test/dist');
let stack: Stack;
let tscStatus: { ok: boolean; output: string };

beforeAll(async () => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  try {
    execFileSync(
      process.execPath,
      [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', OUT],
      {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: 'pipe',
      },
    );
    tscStatus = { ok: true, output: '' };
  } catch (err) {
    tscStatus = { ok: false, output: String((err as { stdout?: string }).stdout ?? err) };
  }
  await buildWorkflowBundle(path.join(OUT, 'workflow-bundle.js'));
  // The child worker runs with the example's production keys: the stack's client encodes with the same codec.
  const example = readEnvFile(path.join(ROOT, '.env.production.example'));
  stack = await startStack({
    noWorker: true,
    env: {
      TEMPORAL_CODEC_KEYS: example.TEMPORAL_CODEC_KEYS!,
      TEMPORAL_CODEC_ACTIVE_KEY_ID: example.TEMPORAL_CODEC_ACTIVE_KEY_ID!,
    },
  });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(path.dirname(OUT), { recursive: true, force: true });
});

async function deliveredInDb(orderId: string, timeoutMs = 30_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  let status = 'missing';
  while (Date.now() < until) {
    const row = await stack.db.order.findUnique({
      where: { workflowId: fulfillmentWorkflowId('demo', orderId) },
    });
    status = row?.status ?? 'missing';
    if (status === 'delivered') return status;
    await new Promise((r) => setTimeout(r, 200));
  }
  return status;
}

describe('production build and prebuilt workflow bundle', () => {
  it('`tsc -p tsconfig.build.json` compiles src, the generated Prisma client included', () => {
    expect(tscStatus.output).toBe('');
    expect(tscStatus.ok).toBe(true);
    for (const f of [
      'worker-main.js',
      'api/main.js',
      'db/migrate-main.js',
      'generated/prisma/client.js',
      'workflow-bundle.js',
    ])
      expect(existsSync(path.join(OUT, f)), f).toBe(true);
  });

  it('a worker created from the bundle (workflowBundle.codePath) delivers an order', async () => {
    const logger = createLogger({ level: 'warn', name: 'bundle-test', destination: stack.logs });
    const worker = await createWorker({
      connection: stack.env.nativeConnection,
      namespace: 'default',
      taskQueue: stack.taskQueue,
      workflowBundle: { codePath: path.join(OUT, 'workflow-bundle.js') },
      db: stack.db,
      supplier: createAlphaPsnClient({
        baseUrl: stack.sandboxUrl,
        apiKey: 'test-supplier-key',
        timeoutMs: 3_000,
      }),
      vault: createCodeVault(stack.config.codes.keys, stack.config.codes.activeKeyId),
      notifier: createRecordingNotifier({ db: stack.db, logger }),
      storefronts: createRecordingStorefronts(stack.db),
      metrics: createMetrics(),
      lowBalance: stack.config.supplier.lowBalance,
      payloadCodec: stack.codec,
    });
    await worker.runUntil(async () => {
      const res = await postWoo(
        stack.apiUrl,
        'demo',
        wooOrder(8101, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }]),
      );
      expect(res.status).toBe(202);
      expect(await deliveredInDb('8101')).toBe('delivered');
    });
  });

  it('`node dist/worker-main.js` with NODE_ENV=production loads dist/workflow-bundle.js and delivers', async () => {
    const healthPort = await freePort();
    const env = stackEnv(stack, {
      // Every production secret from the example, then the stack's endpoints and test secrets.
      ...readEnvFile(path.join(ROOT, '.env.production.example')),
      ...Object.fromEntries(
        Object.entries(stackEnv(stack)).filter(([k]) => k !== 'NODE_ENV' && k !== 'LOG_LEVEL'),
      ),
      NODE_ENV: 'production',
      WORKER_HEALTH_PORT: String(healthPort),
    });
    delete env.WORKFLOW_BUNDLE_PATH;
    const worker = startProcess('worker', [path.join(OUT, 'worker-main.js')], env);
    try {
      await waitHealthy(worker, `http://127.0.0.1:${healthPort}/healthz`, 60_000);
      expect(worker.output()).toContain(path.join(OUT, 'workflow-bundle.js'));
      const res = await postWoo(
        stack.apiUrl,
        'demo',
        wooOrder(8102, [{ sku: 'PSN-US-25', quantity: 1, total: '26.99' }]),
      );
      expect(res.status).toBe(202);
      expect(await deliveredInDb('8102')).toBe('delivered');
    } finally {
      const exit = await worker.stop('SIGTERM');
      expect(exit, worker.output()).toEqual({ code: 0, signal: null });
    }
    expect(worker.output()).toMatch(/worker stopped/);
  });
});
