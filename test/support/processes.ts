// Real cardbridge processes for deployment tests: spawn, wait until healthy, stop with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Stack } from './stack';

export const ROOT = path.resolve(__dirname, '../..');
/**
 * Node args that run a TypeScript entry in ONE process (`node --import tsx file.ts`). Not the tsx
 * CLI: its parent process relays SIGTERM to a child and SIGKILLs it when the child does not
 * acknowledge within 30 ms, which a busy process under load misses.
 */
export const tsNode = (file: string) => ['--import', 'tsx', file];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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

export interface Proc {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends the signal and waits for the exit (SIGKILL after timeoutMs). */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startProcess(name: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    output: () => out,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 60_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Polls url until it answers 200 (or the process dies, or timeoutMs passes). */
export async function waitHealthy(proc: Proc, url: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited early:\n${proc.output()}`);
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${proc.name} not healthy at ${url}:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
