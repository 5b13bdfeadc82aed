// Child processes for `npm start`, the tests and the benchmark: one node process per TypeScript
// entry, free ports, the tail of their output, wait until healthy, stop with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

/**
 * Node args that run a TypeScript entry in ONE process (`node --import tsx file.ts`). Not the tsx
 * CLI: its parent process relays SIGTERM to a child and SIGKILLs it when the child does not
 * acknowledge within 30 ms, which a busy process under load misses.
 */
export const tsNode = (file: string) => ['--import', 'tsx', file];

/**
 * The kernel hands out ports 32768-60999 (Linux's default ip_local_port_range) to every socket
 * that asks for port 0, outgoing connections included. A port found free there can be taken by
 * another process's connection before ours binds it (seen in CI: two test passes side by side,
 * `npm start` refused its database port with EADDRINUSE). So ports for services we start
 * ourselves come from below that range, where nothing is handed out unasked.
 */
const SERVICE_PORTS = { from: 20_000, to: 32_000 };

/** A port nothing listens on now, from SERVICE_PORTS (the kernel's choice after 50 misses). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = SERVICE_PORTS.from + Math.floor(Math.random() * (SERVICE_PORTS.to - SERVICE_PORTS.from));
    if ((await bindable(port)) !== undefined) return port;
  }
  const port = await bindable(0);
  if (port === undefined) throw new Error('no free port');
  return port;
}

/** Binds 127.0.0.1:port and lets go: the port bound, or undefined when it is taken. */
function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined));
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as { port: number }).port;
      s.close(() => resolve(bound));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Child {
  name: string;
  child: ChildProcess;
  /** What the process printed (stdout and stderr), or its tail when `keepBytes` is set. */
  output(): string;
  exited: Promise<Exit>;
  alive(): boolean;
  /** Sends the signal and waits for the exit (SIGKILL after timeoutMs). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface SpawnOptions {
  /** Keep only the last this many characters of output (default: all of it). */
  keepBytes?: number;
  /** Also copy the output to this process's stdout/stderr, each line prefixed. */
  echo?: string;
  cwd?: string;
  /** Own process group, so a terminal's Ctrl-C reaches only the parent (which stops it). */
  detached?: boolean;
  /** Default grace of stop() before SIGKILL (20 s). */
  stopTimeoutMs?: number;
}

export function spawnChild(
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
  opts: SpawnOptions = {},
): Child {
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let out = '';
  const keep = opts.keepBytes;
  const collect = (d: Buffer) => {
    out += d.toString();
    if (keep && out.length > 2 * keep) out = out.slice(-keep);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  if (opts.echo !== undefined) {
    const prefix = opts.echo;
    const relay = (to: NodeJS.WriteStream) => {
      let partial = '';
      return (d: Buffer) => {
        const lines = (partial + d.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) to.write(`${prefix}${line}\n`);
      };
    };
    child.stdout!.on('data', relay(process.stdout));
    child.stderr!.on('data', relay(process.stderr));
  }
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    output: () => (keep ? out.slice(-keep) : out),
    exited,
    alive,
    async stop(signal = 'SIGTERM', timeoutMs = opts.stopTimeoutMs ?? 20_000) {
      if (alive()) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** `node --import tsx <file>` as a child process. */
export const spawnNode = (
  name: string,
  file: string,
  env: Record<string, string | undefined>,
  opts?: SpawnOptions,
) => spawnChild(name, process.execPath, tsNode(file), env, opts);

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

/** A check for waitUntil: the URL answers 2xx. */
export const httpOk = (url: string) => async () =>
  (await fetch(url, { signal: AbortSignal.timeout(5_000) })).ok;
