// A supervisor for `npm start`: each part of the stack is a child process in its own process
// group (a terminal's Ctrl-C reaches only the supervisor, which then stops each child once, with
// SIGTERM). A child that dies is started again after a backoff that doubles (1 s to 30 s, reset
// once it has run for a minute), with one log line saying so. Nothing else is stopped.
import { spawnChild, type Child } from './processes';

export interface ServiceSpec {
  name: string;
  cmd: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** Grace after SIGTERM before SIGKILL when stopping (default 40 s: the worker drains). */
  stopTimeoutMs?: number;
}

export interface SupervisorOptions {
  log?: (line: string) => void;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A child that ran this long is healthy again: its next restart waits initialBackoffMs. */
  stableAfterMs?: number;
}

export interface Supervised {
  name: string;
  /** The running child (undefined between a crash and its restart). */
  current(): Child | undefined;
  restarts(): number;
}

export class Supervisor {
  private readonly services: (Supervised & { spec: ServiceSpec; stop(): Promise<void> })[] = [];
  private stopping = false;
  private readonly log: (line: string) => void;

  constructor(private readonly opts: SupervisorOptions = {}) {
    this.log = opts.log ?? ((line) => console.log(`[start] ${line}`));
  }

  /** Starts the service now and keeps it running until stop(). */
  add(spec: ServiceSpec): Supervised {
    const initial = this.opts.initialBackoffMs ?? 1_000;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const stable = this.opts.stableAfterMs ?? 60_000;
    let child: Child | undefined;
    let restarts = 0;
    let backoff = initial;
    let timer: NodeJS.Timeout | undefined;
    const start = () => {
      timer = undefined;
      const startedAt = Date.now();
      const c = spawnChild(spec.name, spec.cmd, spec.args, spec.env, {
        keepBytes: 64 * 1024,
        echo: `${spec.name.padEnd(17)}| `,
        detached: true,
        stopTimeoutMs: spec.stopTimeoutMs ?? 40_000,
      });
      child = c;
      this.log(`${spec.name} started (pid ${c.child.pid})`);
      void c.exited.then(({ code, signal }) => {
        if (child === c) child = undefined;
        if (this.stopping) return;
        if (Date.now() - startedAt >= stable) backoff = initial;
        restarts++;
        this.log(
          `${spec.name} exited (${signal ?? `code ${code}`}); restarting in ${(backoff / 1000).toFixed(1)}s (restart ${restarts})`,
        );
        timer = setTimeout(start, backoff);
        backoff = Math.min(backoff * 2, max);
      });
    };
    start();
    const service = {
      name: spec.name,
      spec,
      current: () => child,
      restarts: () => restarts,
      stop: async () => {
        if (timer) clearTimeout(timer);
        const c = child;
        if (!c) return;
        await c.stop('SIGTERM');
        this.log(`${spec.name} stopped`);
      },
    };
    this.services.push(service);
    return service;
  }

  /** Stops every service once, the last started first (the Temporal server last). */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const s of [...this.services].reverse()) await s.stop();
  }
}
