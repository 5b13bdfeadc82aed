// `npm start`: the whole stack on one machine. Reads .env, installs the temporal CLI if missing,
// starts the Temporal dev server (SQLite file under DATA_DIR, Web UI), the embedded database
// (unless DATABASE_URL points elsewhere), applies migrations, seeds the demo store, then runs the
// sandbox supplier, the worker and the API. Each runs under a supervisor: a part that dies is
// started again (with a backoff and a log line); only Ctrl-C (or SIGTERM) stops everything.
// Starting again resumes in-flight orders from the persisted state.
//
//   npm start -- --only temporal,database        just the dev stack; run the others by hand
//   npm start -- --without worker                everything but the worker (`npm run worker`)
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databaseUrl, loadConfig, loadEnvFile } from '../src/config';
import { createDb } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import { startEmbeddedDb, type EmbeddedDb } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import {
  ensureAlertSchedule,
  ensureReconcileSchedule,
  ensureSweepSchedules,
  sweepableStores,
} from '../src/ops/schedule';
import { connectClient } from '../src/temporal/connection';
import { buildWorkflowBundle } from './build-workflow-bundle';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../src/worker-node';
import { ROOT, tsNode, waitUntil } from './lib/processes';
import { Supervisor } from './lib/supervisor';
import { devServerArgs, temporalCli, temporalReady } from './lib/temporal';

const PARTS = ['temporal', 'database', 'sandbox-supplier', 'worker', 'api'] as const;
type Part = (typeof PARTS)[number];

function parts(argv: string[]): Set<Part> {
  const { values } = parseArgs({
    args: argv,
    options: { only: { type: 'string' }, without: { type: 'string' } },
  });
  const names = (v?: string) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  for (const n of [...names(values.only), ...names(values.without)])
    if (!PARTS.includes(n as Part)) throw new Error(`unknown part "${n}"; the parts are ${PARTS.join(', ')}`);
  const only = names(values.only);
  const chosen = new Set<Part>(only.length ? (only as Part[]) : PARTS);
  for (const n of names(values.without)) chosen.delete(n as Part);
  return chosen;
}

const log = (line: string) => console.log(`[start] ${line}`);
const supervisor = new Supervisor({ log });
let embedded: EmbeddedDb | undefined;
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    log('stopping...');
    await supervisor.stop();
    if (embedded) {
      await embedded.stop();
      log('embedded database stopped');
    }
  }
  process.exit(code);
}

async function main() {
  const envFile = loadEnvFile();
  const config = loadConfig();
  const run = parts(process.argv.slice(2));
  const dataDir = path.resolve(ROOT, config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  // The worker loads a prebuilt workflow bundle (as in production): webpack runs here once, not
  // inside the worker, whose memory then holds only what the orders need. Built while the rest
  // starts; a restart by the supervisor reuses it.
  const bundle =
    run.has('worker') && !config.worker.workflowBundlePath
      ? buildWorkflowBundle(path.join(dataDir, 'workflow-bundle.js'))
      : undefined;
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));
  if (envFile) log(`configuration: ${envFile} (variables already in the environment win)`);

  const temporal = temporalCli();
  if (run.has('temporal')) {
    const [host, port] = config.temporal.address.split(':');
    supervisor.add({
      name: 'temporal',
      cmd: temporal,
      args: devServerArgs({
        ip: host || '127.0.0.1',
        port: Number(port || 7233),
        uiPort: config.temporal.uiPort,
        dbFile: path.join(dataDir, 'temporal.db'),
        namespace: config.temporal.namespace,
        // The Web UI decodes encrypted payloads through the API's codec endpoint (log in at
        // /codec/login first; see README "Encrypted payloads").
        uiCodecEndpoint: `http://127.0.0.1:${config.api.port}/codec`,
      }),
      env: process.env,
      stopTimeoutMs: 10_000,
    });
  }

  const url = databaseUrl(config);
  if (run.has('database')) {
    if (!config.database.url) {
      embedded = await startEmbeddedDb({
        dataDir: path.join(dataDir, 'pglite'),
        port: config.database.embeddedPort,
      });
    }
    const migrated = await migrate(url);
    log(
      `database ${embedded ? '(embedded PGlite) ' : ''}migrations applied: ${migrated.applied.length}, already: ${migrated.alreadyApplied.length}`,
    );
    const db = createDb(url);
    await ensureStore(db, { id: 'demo', name: 'Demo store', settings: { codeSkuPrefixes: ['PSN-'] } });
    await db.$disconnect();
  }

  await waitUntil(`Temporal at ${config.temporal.address}`, () => temporalReady(config.temporal.address), {
    timeoutMs: 120_000,
    everyMs: 500,
  });
  const env = {
    ...process.env,
    DATABASE_URL: url,
    ...(bundle ? { WORKFLOW_BUNDLE_PATH: (await bundle).path } : {}),
  };
  for (const [part, file] of [
    ['sandbox-supplier', 'src/sandbox-supplier/main.ts'],
    ['worker', 'src/worker-main.ts'],
    ['api', 'src/api/main.ts'],
  ] as const) {
    // `node --import tsx` (not the tsx CLI, which SIGKILLs a child that is slow to stop) so
    // SIGTERM reaches each process and it drains.
    if (!run.has(part)) continue;
    const worker = part === 'worker';
    supervisor.add({
      name: part,
      cmd: process.execPath,
      args: [...(worker ? WORKER_NODE_FLAGS : []), ...tsNode(file)],
      env: worker ? { ...env, ...WORKER_NODE_ENV } : env,
    });
  }
  // Nightly supplier reconciliation (docs/runbook.md, "Reconciliation"): created or updated.
  const client = await connectClient(config);
  const reconcile = await ensureReconcileSchedule(client, { taskQueue: config.temporal.taskQueue });
  const sweepDb = createDb(url);
  const sweeps = await ensureSweepSchedules(client, {
    taskQueue: config.temporal.taskQueue,
    stores: await sweepableStores(
      sweepDb,
      config.storefronts.credentials,
      config.storefronts.sweepIntervalMs,
    ),
  });
  await sweepDb.$disconnect();
  const alerts = await ensureAlertSchedule(client, {
    taskQueue: config.temporal.taskQueue,
    intervalMs: config.alerts.scanIntervalMs,
  });
  await client.connection.close();
  log(`schedule ${reconcile.scheduleId} ${reconcile.created ? 'created' : 'up to date'} (02:00 UTC)`);
  for (const s of sweeps) log(`schedule ${s.scheduleId} ${s.created ? 'created' : 'up to date'}`);
  log(`schedule ${alerts.scheduleId} ${alerts.created ? 'created' : 'up to date'} (alert scan)`);

  const off = (part: Part) => (run.has(part) ? '' : `   (not started: npm run ${part})`);
  console.log(`
cardbridge is starting:
  API               http://127.0.0.1:${config.api.port}   (health: /healthz, ready: /readyz)${off('api')}
  Temporal Web UI   http://127.0.0.1:${config.temporal.uiPort}
  Temporal gRPC     ${config.temporal.address}   (temporal workflow list --address ${config.temporal.address})
  Sandbox supplier  http://127.0.0.1:${config.sandbox.port}   (control plane: /__sandbox/rules, /__sandbox/stats)${off('sandbox-supplier')}
  Worker            task queue ${config.temporal.taskQueue}${off('worker')}
  Database          ${embedded ? `embedded PGlite, ${url} (data: ${path.join(dataDir, 'pglite')})` : config.database.url ? 'DATABASE_URL' : `${url} (not started here)`}
  temporal CLI      ${temporal}
A part that exits is restarted. Press Ctrl-C to stop everything.`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  void stop(1);
});
