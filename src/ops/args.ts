// Arguments, for the ops commands and the scripts: node:util parseArgs with its errors turned
// into UsageError (exit 2 and the usage), plus the checks several commands share.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { fulfillmentWorkflowId, ORDER_ID, STORE_ID } from '../shared/contract';
import type { OptionSpec, Values } from './command';

/** Bad usage: exit 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseCommandLine(
  argv: string[],
  options: OptionSpec,
): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The first positional argument (the command's name) without knowing the command's flags yet. */
export function firstPositional(argv: string[]): string | undefined {
  const { tokens } = parseArgs({ args: argv, strict: false, allowPositionals: true, tokens: true });
  return tokens.find((t) => t.kind === 'positional')?.value;
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function need(values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || !v.trim()) throw new UsageError(`--${name} is required`);
  return v;
}

/** `fulfill:demo:1042` or `demo:1042` -> the workflow id. */
export function orderArg(arg: string | undefined): string {
  if (!arg)
    throw new UsageError('name the order: a workflow id (fulfill:demo:1042) or store:order (demo:1042)');
  const m = /^(?:fulfill:)?([^:]+):(.+)$/.exec(arg);
  if (!m) throw new UsageError(`"${arg}" is neither a workflow id nor store:order`);
  const [, store, order] = m as unknown as [string, string, string];
  if (!STORE_ID.test(store))
    throw new UsageError(`"${store}" is not a store id (lowercase letters, digits and "-"; no "_")`);
  if (!ORDER_ID.test(order)) throw new UsageError(`"${order}" is not an order id`);
  return fulfillmentWorkflowId(store, order);
}

export function storeOpt(v: string | boolean | undefined): string | undefined {
  const store = str(v);
  if (store !== undefined && !STORE_ID.test(store))
    throw new UsageError(`--store "${store}" is not a store id (lowercase letters, digits and "-"; no "_")`);
  return store;
}

/** Who to record when --by is optional: the person at this terminal. */
export const terminalUser = (): string => `cli:${userInfo().username}`;
