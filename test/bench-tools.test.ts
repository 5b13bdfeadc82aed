// The bench's own arithmetic and instruments: the spread of repetitions, and the relay that
// counts database statements (against the test database, through Prisma as the app uses it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchOptions } from '../bench/lib/args';
import { joinRuns, type LoadResult } from '../bench/lib/load';
import { countsBetween, startStatementCounter } from '../bench/lib/statement-counter';
import { showSpread, spread } from '../bench/lib/stats';
import { createDb, type Db } from '../src/db/client';
import { startTestDatabase, type TestDatabase } from './support/stack';

describe('spread', () => {
  it('gives the median and the range of repetitions', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
    expect(showSpread(spread([10.04, 9, 12]), 1)).toBe('10.0 (9.0-12.0)');
    expect(showSpread(spread([7]), 0)).toBe('7');
    expect(showSpread(spread([]))).toBe('-');
  });
});

describe('joinRuns', () => {
  const run = (
    requests: number,
    durationS: number,
    p99: number,
    status: Record<string, number>,
  ): LoadResult => ({
    requests,
    durationS,
    rps: requests / durationS,
    p50: p99 / 2,
    p99,
    mean: p99 / 3,
    max: p99 * 2,
    status,
    errors: 1,
    timeouts: 0,
  });

  it('adds requests and time, and weighs latencies by requests', () => {
    const j = joinRuns(run(300, 1, 100, { '202': 300 }), run(100, 1, 200, { '202': 99, '503': 1 }));
    expect(j.requests).toBe(400);
    expect(j.rps).toBe(200);
    expect(j.p99).toBe(125);
    expect(j.max).toBe(400);
    expect(j.status).toEqual({ '202': 399, '503': 1 });
    expect(j.errors).toBe(2);
  });
});

describe('bench options', () => {
  it('defaults to three repetitions on both databases, P4 once', () => {
    const o = benchOptions([]);
    expect([o.repeat, o.p4Repeat, o.databases]).toEqual([3, 1, ['embedded', 'postgres']]);
    expect([...o.only]).toEqual(['p1', 'p2', 'p3', 'p4', 'counts']);
  });
  it('refuses what it does not know', () => {
    expect(() => benchOptions(['--database', 'mysql'])).toThrow(/embedded \| postgres \| both/);
    expect(() => benchOptions(['--only', 'p9'])).toThrow(/p9/);
    expect(() => benchOptions(['--repeat', '0'])).toThrow(/positive/);
    expect(() => benchOptions(['--worker-env', 'cache=0'])).toThrow(/KEY=VALUE/);
  });
  it('takes worker settings under test, and the compiled worker', () => {
    const o = benchOptions([
      '--worker-env',
      'WORKER_MAX_CACHED_WORKFLOWS=0',
      '--worker-env',
      'NODE_OPTIONS=--max-old-space-size=200',
      '--compiled',
    ]);
    expect(o.workerEnv).toEqual({
      WORKER_MAX_CACHED_WORKFLOWS: '0',
      NODE_OPTIONS: '--max-old-space-size=200',
    });
    expect(o.compiled).toBe(true);
    expect(benchOptions([]).compiled).toBe(false);
  });
});

describe('statement counter', () => {
  let database: TestDatabase;
  let counter: Awaited<ReturnType<typeof startStatementCounter>>;
  let db: Db;
  beforeAll(async () => {
    database = await startTestDatabase();
    counter = await startStatementCounter(database.url);
    db = createDb(counter.url);
  });
  afterAll(async () => {
    await db?.$disconnect();
    await counter?.stop();
    await database?.stop();
  });

  it('counts each statement that passes through, by kind', async () => {
    await db.store.findMany(); // connect and warm up outside the window
    const before = counter.snapshot();
    await db.store.create({ data: { id: 'counted', name: 'Counted', platform: 'woocommerce' } });
    await db.store.findUnique({ where: { id: 'counted' } });
    await db.store.findUnique({ where: { id: 'counted' } });
    await db.$transaction([db.store.count(), db.store.count()]);
    await db.$executeRawUnsafe(`UPDATE stores SET name = 'Still counted' WHERE id = 'counted'`);
    const between = countsBetween(before, counter.snapshot());
    expect(between.byKind).toEqual({ INSERT: 1, SELECT: 4, BEGIN: 1, COMMIT: 1, UPDATE: 1 });
    expect(between.total).toBe(8);
    expect(await db.store.findUnique({ where: { id: 'counted' } })).toMatchObject({ name: 'Still counted' });
  });
});
