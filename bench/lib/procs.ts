// Child processes for the benchmark and the chaos suite: the toolkit's spawn helpers
// (scripts/lib/processes.ts, shared with `npm start` and the tests), keeping only the tail of a
// long run's output, and a process's memory.
import { readFileSync } from 'node:fs';
import { spawnChild as spawnAny, type Child, type SpawnOptions, tsNode } from '../../scripts/lib/processes';

export { ROOT, freePort, httpOk, tsNode, waitUntil, type Child } from '../../scripts/lib/processes';

const TAIL = 64 * 1024;

export const spawnChild = (
  name: string,
  cmd: string,
  args: string[],
  env: Record<string, string>,
  opts: SpawnOptions = {},
): Child => spawnAny(name, cmd, args, { ENV_FILE: '', ...env }, { keepBytes: TAIL, ...opts });

export const spawnNode = (name: string, file: string, env: Record<string, string>) =>
  spawnChild(name, process.execPath, tsNode(file), env);

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
