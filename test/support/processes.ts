// Real cardbridge processes for deployment tests: the toolkit's spawn helpers (scripts/lib), plus
// the environment a child needs to join a test stack.
import { readFileSync } from 'node:fs';
import { spawnChild, waitUntil, httpOk, type Child } from '../../scripts/lib/processes';
import type { Stack } from './stack';
import { workflowBundlePath } from './run-assets';

export { ROOT, freePort, tsNode } from '../../scripts/lib/processes';

/** KEY=VALUE lines of an env file (the production example), comments and blanks skipped. */
export function readEnvFile(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** The environment a child process needs to work against a test stack. */
export function stackEnv(stack: Stack, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    // Never the developer's .env: a test's child gets exactly this environment.
    ENV_FILE: '',
    LOG_LEVEL: 'info',
    DATABASE_URL: stack.database.url,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    SUPPLIER_BASE_URL: stack.sandboxUrl,
    SUPPLIER_API_KEY: 'test-supplier-key',
    SUPPLIER_WEBHOOK_SECRETS: 'test-supplier-webhook-secret',
    SUPPLIER_HTTP_TIMEOUT: '3s',
    WORKER_METRICS_PORT: '0',
    WORKFLOW_BUNDLE_PATH: workflowBundlePath(),
    STORE_WEBHOOK_SECRETS: JSON.stringify({
      demo: {
        woocommerce: ['test-woo-secret-old-0001', 'test-woo-secret-new-0002'],
        standard: ['whsec_dGVzdC1zdGFuZGFyZC1zZWNyZXQtMDAwMQ=='],
        pocketsflow: ['test-pocketsflow-secret-0001'],
      },
    }),
    ...extra,
  };
}

/** A test's child process keeps all its output (a test searches it). */
export type Proc = Child;

export function startProcess(name: string, args: string[], env: Record<string, string>): Proc {
  return spawnChild(name, process.execPath, args, env, { stopTimeoutMs: 60_000 });
}

/** Polls url until it answers 200 (or the process dies, or timeoutMs passes). */
export async function waitHealthy(proc: Proc, url: string, timeoutMs = 120_000): Promise<void> {
  await waitUntil(`${proc.name} healthy at ${url}`, httpOk(url), { proc, timeoutMs });
}
