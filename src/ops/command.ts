// What every `npm run ops` command is: a name, its help lines, its flags (node:util parseArgs
// options) and a run function that gets the shared context. src/ops/cli.ts holds the table.
import type { ParseArgsConfig } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/client';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | undefined>;

export interface Ctx {
  config: Config;
  /** Connected on first use, closed by the dispatcher. */
  client: () => Promise<Client>;
  /** Opened on first use, closed by the dispatcher. */
  db: () => Db;
  json: boolean;
  /** The result: `human` for people, `data` as JSON with --json. */
  out: (human: string, data: unknown) => void;
  /** Raw text to standard output (a CSV export). */
  write: (text: string) => void;
  /** All of standard input, trimmed (secrets, CSV). */
  stdin: () => Promise<string>;
}

export interface CommandArgs {
  /** The arguments after the command's name. */
  positionals: string[];
  values: Values;
}

export interface Command {
  name: string;
  /** Its lines of `npm run ops -- --help`. */
  usage: string;
  /** Its flags (--json and --help are every command's). */
  options?: OptionSpec;
  run(ctx: Ctx, args: CommandArgs): Promise<void>;
}

/** The operation failed or was refused: exit 1. */
export class Refused extends Error {
  override name = 'Refused';
}
