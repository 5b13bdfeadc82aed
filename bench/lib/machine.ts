// The machine a run measures on, and how busy it was during each phase. The 1-minute load
// average is sampled every second during a phase (min and max, printed next to each figure); it
// counts the bench's own processes too, so it cannot tell a busy neighbour from a busy bench.
// What flags a phase BUSY is the other work: the runnable threads of the whole machine
// (/proc/loadavg, 4th field) minus those of the bench's own processes (this process, its
// descendants, and the PostgreSQL backends serving the bench's databases), sampled just before
// the phase and every second during it. More than half the cores' worth on average, before or
// during, means something else competed for the CPU.
import { cpus, loadavg, totalmem } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './procs';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round2 = (n: number) => Number(n.toFixed(2));

export const loadAverages = () => loadavg().map(round2);

export function machine() {
  const cpu = cpus();
  return {
    cores: cpu.length,
    cpuModel: cpu[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    temporalCli: (/v\d+\.\d+\.\d+/.exec(
      readFileSync(path.join(ROOT, 'scripts/install-temporal.sh'), 'utf8'),
    ) ?? ['?'])[0],
  };
}

/** pid -> parent pid and command line of every visible process. */
function processes(): Map<number, { ppid: number; cmdline: string }> {
  const out = new Map<number, { ppid: number; cmdline: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      out.set(Number(name), { ppid, cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** This process, its descendants, and PostgreSQL backends whose title names one of `databases`. */
function ownPids(databases: string[]): number[] {
  const all = processes();
  const own = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, p] of all) if (!own.has(pid) && own.has(p.ppid)) grew = Boolean(own.add(pid));
  }
  // A backend's title is "postgres: <user> <database> <client> <activity>".
  for (const [pid, p] of all)
    if (p.cmdline.startsWith('postgres: ') && databases.some((d) => p.cmdline.split(' ')[2] === d))
      own.add(pid);
  return [...own];
}

/** Threads in state R (running or ready to run) among these processes. */
function runnableThreads(pids: number[]): number {
  let n = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
        if (stat[stat.lastIndexOf(')') + 2] === 'R') n++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return n;
}

/** Runnable threads on the machine that are not the bench's. */
function otherRunnable(databases: string[]): number {
  const m = /^\S+ \S+ \S+ (\d+)\//.exec(readFileSync('/proc/loadavg', 'utf8'));
  return Math.max(0, Number(m?.[1] ?? 0) - runnableThreads(ownPids(databases)));
}

const mean = (xs: number[]) => (xs.length ? round2(xs.reduce((a, b) => a + b, 0) / xs.length) : 0);

export interface PhaseLoad {
  /** Runnable threads that are not the bench's: averaged over 1.5 s before and over the phase. */
  otherRunnableBefore: number;
  otherRunnableDuring: number;
  /** 1-minute load average over the phase. */
  load1mMin: number;
  load1mMax: number;
  busy: boolean;
}

/**
 * Runs `fn` and reports how busy the machine was before and during it. `databases`: the
 * PostgreSQL databases the bench uses, whose backends count as the bench's own.
 */
export async function withLoadWatch<T>(
  fn: () => Promise<T>,
  databases: string[] = [],
): Promise<{ result: T; load: PhaseLoad }> {
  const cores = cpus().length;
  const before: number[] = [];
  for (let i = 0; i < 15; i++) {
    before.push(otherRunnable(databases));
    await sleep(100);
  }
  const load1m = [loadavg()[0]!];
  const during: number[] = [];
  const timer = setInterval(() => {
    load1m.push(loadavg()[0]!);
    during.push(otherRunnable(databases));
  }, 1_000);
  let result: T;
  try {
    result = await fn();
  } finally {
    clearInterval(timer);
  }
  load1m.push(loadavg()[0]!);
  const load = {
    otherRunnableBefore: mean(before),
    otherRunnableDuring: mean(during),
    load1mMin: round2(Math.min(...load1m)),
    load1mMax: round2(Math.max(...load1m)),
  };
  return {
    result,
    load: { ...load, busy: Math.max(load.otherRunnableBefore, load.otherRunnableDuring) > 0.5 * cores },
  };
}
