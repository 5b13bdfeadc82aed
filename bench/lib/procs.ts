// Child processes for the benchmark and the chaos suite: spawn, keep the tail of their output,
// wait until healthy, stop with a signal, read their memory.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

// The same spawn conventions as the tests' processes (one node process per entry, free ports).
import { ROOT, freePort, tsNode } from '../../test/support/processes';

export { ROOT, freePort, tsNode };

export interface Child {
  name: string;
  child: ChildProcess;
  /** The last 64 KiB of stdout and stderr. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** Sends the signal and waits for the exit (SIGKILL after timeoutMs). */
  stop(
    signal?: NodeJS.Signals,
    timeoutMs?: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnChild(name: string, cmd: string, args: string[], env: Record<string, string>): Child {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 128 * 1024) out = out.slice(-64 * 1024);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    output: () => out.slice(-64 * 1024),
    exited,
    alive,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (alive()) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

export const spawnNode = (name: string, file: string, env: Record<string, string>) =>
  spawnChild(name, process.execPath, tsNode(file), env);

/** Polls `check` until it resolves true (or the process dies, or timeoutMs passes). */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: { proc?: Child; timeoutMs?: number; everyMs?: number } = {},
): Promise<void> {
  const until = Date.now() + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (opts.proc && !opts.proc.alive())
      throw new Error(`${opts.proc.name} exited early:\n${opts.proc.output()}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what}${opts.proc ? `:\n${opts.proc.output()}` : ''}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 250));
  }
}

export const httpOk = (url: string) => async () => (await fetch(url)).ok;

/** Resident memory of a process in MiB (VmRSS in /proc/<pid>/status), undefined if gone. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}
