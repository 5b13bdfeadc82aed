// `npm run ops -- <command>`: the support team's tool for stuck orders (docs/runbook.md).
// This file only dispatches: the command table below, one file per command in ./commands,
// arguments parsed by node:util parseArgs with each command's flags (./args), output and errors
// printed one way (./format). Exit codes: 0 done, 1 the operation failed or was refused, 2 bad usage.
import type { Client } from '@temporalio/client';
import { CatalogError } from '../catalog/catalog';
import { databaseUrl, loadConfig, loadEnvFile, type Config } from '../config';
import { createDb, type Db } from '../db/client';
import { ResendError } from '../notify/resend';
import { ReviewDecisionError } from '../review/decide';
import { StoreError } from '../stores/service';
import { connectClient } from '../temporal/connection';
import { UserError } from '../users/users';
import { firstPositional, parseCommandLine, UsageError } from './args';
import { Refused, type Command, type Ctx, type OptionSpec } from './command';
import { alerts } from './commands/alerts';
import { catalog } from './commands/catalog';
import { decide } from './commands/decide';
import { notify } from './commands/notify';
import { pool } from './commands/pool';
import { reconcile } from './commands/reconcile';
import { replay } from './commands/replay';
import { schedule } from './commands/schedule';
import { show } from './commands/show';
import { store } from './commands/store';
import { stuck } from './commands/stuck';
import { user } from './commands/user';
import { consolePrinter, output, reportError } from './format';

export const COMMANDS: readonly Command[] = [
  stuck,
  show,
  decide,
  replay,
  notify,
  reconcile,
  schedule,
  alerts,
  pool,
  store,
  user,
  catalog,
];

/** Every command's flags. */
const COMMON: OptionSpec = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

/** Errors that mean "refused" (exit 1, `"refused": true` in --json), not a crash. */
const REFUSALS = [Refused, ReviewDecisionError, ResendError, StoreError, UserError, CatalogError];

const FOOTER = `<order> is a workflow id (fulfill:demo:1042) or store:order (demo:1042).
Every command takes --json for scripts. Exit codes: 0 done, 1 failed or refused, 2 bad usage.`;

export const USAGE = `usage: npm run ops -- <command> [options]

${COMMANDS.map((c) => c.usage).join('\n')}

${FOOTER}`;

/** Reads all of standard input (empty when it is a terminal). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

export async function main(
  argv: string[],
  io: { stdin?: () => Promise<string>; write?: (text: string) => void } = {},
): Promise<number> {
  let json = argv.includes('--json');
  const name = firstPositional(argv);
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const help = !name ? argv.includes('--help') || argv.includes('-h') : name === 'help';
    if (help) {
      console.log(USAGE);
      return 0;
    }
    reportError(name ? `unknown command "${name}"` : 'name a command', {
      json,
      usage: USAGE,
      refused: false,
    });
    return 2;
  }
  let args;
  try {
    args = parseCommandLine(argv, { ...COMMON, ...command.options });
  } catch (err) {
    reportError((err as Error).message, { json, usage: command.usage, refused: false });
    return 2;
  }
  if (args.values.help) {
    console.log(`usage: npm run ops -- ${command.name} [options]\n\n${command.usage}\n\n${FOOTER}`);
    return 0;
  }
  json = args.values.json === true;
  args.positionals.splice(args.positionals.indexOf(command.name), 1);

  let config: Config;
  try {
    loadEnvFile();
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  let client: Client | undefined;
  let db: Db | undefined;
  const ctx: Ctx = {
    config,
    json,
    client: async () => (client ??= await connectClient(config)),
    db: () => (db ??= createDb(databaseUrl(config))),
    out: output(json, consolePrinter),
    write: io.write ?? ((t) => void process.stdout.write(t)),
    stdin: io.stdin ?? readStdin,
  };
  try {
    await command.run(ctx, args);
    return 0;
  } catch (err) {
    const usage = err instanceof UsageError;
    const refused = REFUSALS.some((r) => err instanceof r);
    reportError((err as Error).message, { json, usage: usage ? command.usage : undefined, refused });
    return usage ? 2 : 1;
  } finally {
    await client?.connection.close().catch(() => undefined);
    await db?.$disconnect().catch(() => undefined);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
