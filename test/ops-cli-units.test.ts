// The pieces every ops command shares, without a server: node:util parseArgs with each command's
// flags (unknown flags are bad usage), the order argument, tables and ages, how results and
// errors print (--json too), the dispatcher's help and exit codes, and how decideReview turns
// each way the review Update can fail into one error both the CLI and the admin page show.
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { firstPositional, need, orderArg, parseCommandLine, storeOpt, UsageError } from '../src/ops/args';
import { COMMANDS, main, USAGE } from '../src/ops/cli';
import { age, output, reportError, table, type Printer } from '../src/ops/format';
import { decideReview, ReviewDecisionError } from '../src/review/decide';
import type { FulfillmentStatus, ReviewDecision } from '../src/shared/contract';

function printer() {
  const out: string[] = [];
  const err: string[] = [];
  const p: Printer = { log: (l) => void out.push(l), error: (l) => void err.push(l) };
  return { p, out, err };
}

describe('ops arguments', () => {
  it("parses a command's flags and refuses one it does not take", () => {
    const opts = { store: { type: 'string' as const }, json: { type: 'boolean' as const } };
    expect(parseCommandLine(['stuck', '--store', 'demo', '--json'], opts)).toEqual({
      positionals: ['stuck'],
      values: { store: 'demo', json: true },
    });
    expect(() => parseCommandLine(['stuck', '--sotre', 'demo'], opts)).toThrow(UsageError);
    expect(() => parseCommandLine(['stuck', '--store'], opts)).toThrow(/argument missing/);
  });

  it('finds the command name before knowing its flags', () => {
    expect(firstPositional(['--json', 'show', 'demo:1'])).toBe('show');
    expect(firstPositional(['--help'])).toBeUndefined();
  });

  it('takes an order as a workflow id or store:order, and refuses anything else', () => {
    expect(orderArg('demo:1042')).toBe('fulfill:demo:1042');
    expect(orderArg('fulfill:demo:1042')).toBe('fulfill:demo:1042');
    expect(() => orderArg(undefined)).toThrow(UsageError);
    expect(() => orderArg('nocolon')).toThrow(/neither a workflow id nor store:order/);
    expect(() => orderArg('Bad_Store:1')).toThrow(/not a store id/);
    expect(() => storeOpt('no_underscores')).toThrow(UsageError);
    expect(storeOpt('demo')).toBe('demo');
    expect(() => need({ by: '  ' }, 'by')).toThrow('--by is required');
  });

  it('every command names its flags, and no two commands share a name', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of COMMANDS) expect(USAGE).toContain(c.usage);
  });
});

describe('ops output', () => {
  it('aligns tables and shortens ages', () => {
    expect(
      table([
        ['A', 'BB'],
        ['ccc', 'd'],
      ]),
    ).toBe('A    BB\nccc  d');
    const now = Date.parse('2025-01-31T12:00:00Z');
    expect(age(new Date(now - 30_000), now)).toBe('30s');
    expect(age(new Date(now - 30 * 60_000), now)).toBe('30m');
    expect(age(new Date(now - 5 * 3_600_000), now)).toBe('5h');
    expect(age(new Date(now - 3 * 86_400_000), now)).toBe('3d');
    expect(age(undefined)).toBe('-');
  });

  it('prints text for people and JSON for scripts', () => {
    const human = printer();
    output(false, human.p)('done', { ok: true });
    expect(human.out).toEqual(['done']);
    const json = printer();
    output(true, json.p)('done', { ok: true });
    expect(JSON.parse(json.out[0]!)).toEqual({ ok: true });
  });

  it('reports a refusal as error: and bad usage with its usage, and both as JSON with --json', () => {
    const refused = printer();
    reportError('no workflow x', { json: true, refused: true }, refused.p);
    expect(JSON.parse(refused.out[0]!)).toEqual({ error: 'no workflow x', refused: true });
    expect(refused.err).toEqual(['error: no workflow x']);
    const usage = printer();
    reportError('--by is required', { json: false, usage: '  decide ...', refused: false }, usage.p);
    expect(usage.out).toEqual([]);
    expect(usage.err).toEqual(['--by is required\n\n  decide ...']);
  });
});

describe('ops dispatcher', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(argv: string[]) {
    const stdout: string[] = [];
    const stderr: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
    const code = await main(argv);
    return { code, out: [...stdout, ...stderr].join('\n'), stdout, stderr };
  }

  it('lists every command on --help and help, and one command on <command> --help', async () => {
    for (const argv of [['--help'], ['help'], ['-h']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      for (const c of COMMANDS) expect(r.out).toContain(c.usage);
    }
    const one = await run(['decide', '--help']);
    expect(one.code).toBe(0);
    expect(one.out).toContain('--codes-file');
    expect(one.out).not.toContain('catalog export');
  });

  it('exits 2 on an unknown command, no command, or a flag the command does not take', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    const bad = await run(['stuck', '--action', 'retry', '--json']);
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout[0]!)).toMatchObject({
      error: expect.stringContaining('--action'),
      refused: false,
    });
    expect(bad.stderr[0]).toContain('stuck     [--store S]');
  });
});

describe('decideReview', () => {
  const decision: ReviewDecision = { action: 'cancel', by: 'alice@support' };
  const fakeClient = (update: () => Promise<FulfillmentStatus>) =>
    ({
      withDeadline: <T>(_deadline: number, fn: () => Promise<T>) => fn(),
      workflow: { getHandle: () => ({ executeUpdate: update }) },
    }) as unknown as Client;
  const failure = async (update: () => Promise<FulfillmentStatus>, d = decision) => {
    const err = await decideReview(fakeClient(update), 'fulfill:demo:1', d).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReviewDecisionError);
    return err as ReviewDecisionError;
  };

  it('answers with the workflow status when the Update is accepted', async () => {
    const status = { state: 'cancelled' } as FulfillmentStatus;
    await expect(
      decideReview(
        fakeClient(() => Promise.resolve(status)),
        'fulfill:demo:1',
        decision,
      ),
    ).resolves.toBe(status);
  });

  it("refuses a malformed decision before sending it, with the validator's words", async () => {
    const update = vi.fn(() => Promise.resolve({ state: 'cancelled' } as FulfillmentStatus));
    const noBy = await failure(update, { action: 'cancel', by: ' ' });
    expect(noBy).toMatchObject({ kind: 'invalid', reason: 'A decision must say who made it ("by").' });
    const noAction = await failure(update, { action: 'frob' as 'cancel', by: 'x' });
    expect(noAction.kind).toBe('invalid');
    expect(update).not.toHaveBeenCalled();
  });

  it('turns each failure of the Update into one kind with one reason', async () => {
    const refused = await failure(() =>
      Promise.reject(
        new WorkflowUpdateFailedError('Workflow Update failed', new Error('Line 1 needs exactly 1 code(s)')),
      ),
    );
    expect(refused).toMatchObject({ kind: 'refused', reason: 'Line 1 needs exactly 1 code(s)' });
    const gone = await failure(() =>
      Promise.reject(new WorkflowNotFoundError('not found', 'fulfill:demo:1', undefined)),
    );
    expect(gone).toMatchObject({
      kind: 'not_running',
      reason: 'There is no running workflow fulfill:demo:1.',
    });
    const slow = await failure(() =>
      Promise.reject(new WorkflowUpdateRPCTimeoutOrCancelledError('deadline exceeded')),
    );
    expect(slow.kind).toBe('timeout');
    const down = await failure(() => Promise.reject(new Error('14 UNAVAILABLE')));
    expect(down).toMatchObject({
      kind: 'unavailable',
      reason: 'Temporal did not take the decision: 14 UNAVAILABLE',
    });
  });
});
