// `prestart` / `pretest`: what a fresh clone lacks, installed before `npm start` / `npm test`.
// Dependency-free (it runs before node_modules exists). A no-op when everything is in place.
//   1. node_modules: `npm ci` when it is missing or does not match package-lock.json
//      (compared package by package with npm's own record, node_modules/.package-lock.json);
//   2. the Prisma client (src/generated), normally made by `npm ci`'s postinstall;
//   3. the temporal CLI (scripts/install-temporal.sh: PATH, .tools/bin, or built/downloaded once);
//   4. with --env (npm start): .env, copied from .env.example the first time.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = (p) => path.join(root, p);
const started = Date.now();
const say = (line) => console.error(`[setup] ${line}`);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });

/** Why node_modules needs `npm ci`, or undefined when it matches the lock file. */
export function staleModules(dir = root) {
  const hidden = path.join(dir, 'node_modules/.package-lock.json');
  if (!existsSync(hidden)) return 'node_modules is missing';
  const want = JSON.parse(readFileSync(path.join(dir, 'package-lock.json'), 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(hidden, 'utf8')).packages ?? {};
  for (const [name, entry] of Object.entries(want)) {
    if (!name || !name.startsWith('node_modules/')) continue;
    const got = have[name];
    // Optional packages for other platforms are never installed.
    if (!got && (entry.optional || entry.devOptional || entry.peer)) continue;
    if (got?.version !== entry.version)
      return `${name.slice('node_modules/'.length)} is ${got?.version ?? 'not installed'}, package-lock.json wants ${entry.version}`;
  }
  return undefined;
}

function main() {
  const stale = staleModules();
  if (stale) {
    say(`${stale}: npm ci (first time: a minute or two)`);
    run('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error']);
  }
  if (!existsSync(at('src/generated/prisma'))) {
    say('generating the Prisma client');
    run('sh', [at('scripts/prisma-generate.sh')]);
  }
  execFileSync('bash', [at('scripts/install-temporal.sh')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // ENV_FILE names the configuration explicitly (or none): then .env is not wanted.
  const { values } = parseArgs({ options: { env: { type: 'boolean' } } });
  const wantsDotEnv = values.env === true && process.env.ENV_FILE === undefined;
  if (wantsDotEnv && !existsSync(at('.env')) && existsSync(at('.env.example'))) {
    copyFileSync(at('.env.example'), at('.env'));
    say('created .env from .env.example (the demo configuration); edit it to change a setting');
  }
  if (stale) say(`ready in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
