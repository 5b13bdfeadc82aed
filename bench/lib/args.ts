// `npm run bench -- ...`: the command line, parsed once (node:util parseArgs) into plain options.
import { parseArgs } from 'node:util';

export const PHASES = ['p1', 'p2', 'p3', 'p4', 'counts'] as const;
export type Phase = (typeof PHASES)[number];
export type DatabaseChoice = 'embedded' | 'postgres';

export interface BenchOptions {
  scale: number;
  topology: 'dev' | 'production';
  only: Set<Phase>;
  databases: DatabaseChoice[];
  /** Repetitions of P1-P3 (each repetition measures cardbridge and its baseline). */
  repeat: number;
  /** Repetitions of P4 (parking thousands of orders): 1 unless asked. */
  p4Repeat: number;
  p1Orders: number;
  p2Seconds: number;
  p3Seconds: number;
  p3Rate: number;
  p4Orders: number;
  /** Orders sent one at a time by the counts phase. */
  countOrders: number;
  /** Extra environment of the worker (`--worker-env KEY=VALUE`, repeatable): settings under test. */
  workerEnv: Record<string, string>;
  /** Run the worker as production does, compiled (`node dist/worker-main.js`), not through tsx. */
  compiled: boolean;
}

const positive = (name: string, v: string | undefined, fallback: number) => {
  const n = v === undefined ? fallback : Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} wants a positive number, got ${v}`);
  return n;
};

export function benchOptions(argv: string[]): BenchOptions {
  const { values: v } = parseArgs({
    args: argv,
    options: {
      scale: { type: 'string' },
      topology: { type: 'string', default: 'dev' },
      only: { type: 'string', default: PHASES.join(',') },
      database: { type: 'string', default: 'both' },
      repeat: { type: 'string' },
      'p4-repeat': { type: 'string' },
      'p2-seconds': { type: 'string' },
      'p3-seconds': { type: 'string' },
      'p3-rate': { type: 'string' },
      'p4-orders': { type: 'string' },
      'count-orders': { type: 'string' },
      'worker-env': { type: 'string', multiple: true, default: [] },
      compiled: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (v.topology !== 'dev' && v.topology !== 'production') throw new Error('--topology dev | production');
  const only = v.only.split(',').filter(Boolean);
  for (const p of only)
    if (!(PHASES as readonly string[]).includes(p))
      throw new Error(`--only: ${p} is not one of ${PHASES.join(', ')}`);
  const databases: Record<string, DatabaseChoice[]> = {
    embedded: ['embedded'],
    postgres: ['postgres'],
    both: ['embedded', 'postgres'],
  };
  if (!databases[v.database]) throw new Error('--database embedded | postgres | both');
  const workerEnv: Record<string, string> = {};
  for (const kv of v['worker-env']) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(kv);
    if (!m) throw new Error(`--worker-env wants KEY=VALUE, got ${kv}`);
    workerEnv[m[1]!] = m[2]!;
  }
  const scale = positive('scale', v.scale, 1);
  const repeat = Math.round(positive('repeat', v.repeat, 3));
  return {
    scale,
    topology: v.topology,
    only: new Set(only as Phase[]),
    databases: databases[v.database]!,
    repeat,
    p4Repeat: Math.round(positive('p4-repeat', v['p4-repeat'], 1)),
    p1Orders: Math.max(20, Math.round(200 * scale)),
    p2Seconds: positive('p2-seconds', v['p2-seconds'], 20),
    p3Seconds: positive('p3-seconds', v['p3-seconds'], 30),
    p3Rate: positive('p3-rate', v['p3-rate'], 3),
    // The target is 10,000 parked orders (--p4-orders 10000); on a 2-core machine parking
    // and draining them takes far longer than a default run aims at (see BENCHMARKS.md).
    p4Orders: Math.max(50, Math.round(positive('p4-orders', v['p4-orders'], 1_000) * scale)),
    countOrders: Math.round(positive('count-orders', v['count-orders'], 5)),
    workerEnv,
    compiled: v.compiled,
  };
}
