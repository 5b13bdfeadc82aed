// `npm start`: the whole stack on one machine. Installs the temporal CLI if missing, starts the
// Temporal dev server (SQLite file under DATA_DIR, Web UI), the embedded database (unless
// DATABASE_URL points elsewhere), applies migrations, seeds the demo store, then runs the
// worker, the API and the sandbox supplier. Ctrl-C stops everything; starting again resumes
// in-flight orders from the persisted state.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { databaseUrl, loadConfig } from '../src/config';
import { createDb } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import { startEmbeddedDb, type EmbeddedDb } from '../src/db/embedded';
import { migrate } from '../src/db/migrate';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../src/shared/contract';
import { ensureReconcileSchedule, ensureSweepSchedules, sweepableStores } from '../src/ops/schedule';
import { connectClient } from '../src/temporal/connection';

const root = path.resolve(__dirname, '..');
const children: { name: string; proc: ChildProcess }[] = [];
let embedded: EmbeddedDb | undefined;
let stopping = false;

function run(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const proc = spawn(cmd, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push({ name, proc });
  proc.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping the stack`);
      void stop(1);
    }
  });
  return proc;
}

async function waitForTemporal(address: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const c = await Connection.connect({ address, connectTimeout: 1000 });
      await c.workflowService.getSystemInfo({});
      await c.close();
      return;
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`Temporal did not become ready at ${address}: ${(err as Error).message}`, {
          cause: err,
        });
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping...');
  // Application processes first (they drain), the Temporal server last.
  const order = [...children].reverse();
  for (const { name, proc } of order) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    proc.kill('SIGTERM');
    await Promise.race([
      new Promise((r) => proc.once('exit', r)),
      new Promise((r) => setTimeout(r, 10_000)).then(() => proc.kill('SIGKILL')),
    ]);
    console.log(`[start] ${name} stopped`);
  }
  if (embedded) {
    await embedded.stop();
    console.log('[start] embedded database stopped');
  }
  process.exit(code);
}

async function main() {
  const config = loadConfig();
  const dataDir = path.resolve(root, config.dataDir);
  mkdirSync(dataDir, { recursive: true });
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  const temporal = execFileSync('bash', [path.join(root, 'scripts/install-temporal.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  const [host, port] = config.temporal.address.split(':');
  run(
    'temporal',
    temporal,
    [
      'server',
      'start-dev',
      '--db-filename',
      path.join(dataDir, 'temporal.db'),
      '--ip',
      host ?? '127.0.0.1',
      '--port',
      port ?? '7233',
      '--ui-port',
      String(config.temporal.uiPort),
      '--namespace',
      config.temporal.namespace,
      '--log-level',
      'error',
      ...SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', sa]),
      '--dynamic-config-value',
      'frontend.enableExecuteMultiOperation=true',
      // The Web UI decodes encrypted payloads through the API's codec endpoint (log in at
      // /codec/login first; see README "Encrypted payloads").
      '--ui-codec-endpoint',
      `http://127.0.0.1:${config.api.port}/codec`,
    ],
    process.env,
  );

  if (!config.database.url) {
    embedded = await startEmbeddedDb({
      dataDir: path.join(dataDir, 'pglite'),
      port: config.database.embeddedPort,
    });
  }
  const url = databaseUrl(config);
  const migrated = await migrate(url);
  console.log(
    `[start] database ${embedded ? '(embedded PGlite)' : ''} migrations applied: ${migrated.applied.length}, already: ${migrated.alreadyApplied.length}`,
  );
  const db = createDb(url);
  await ensureStore(db, { id: 'demo', name: 'Demo store', settings: { codeSkuPrefixes: ['PSN-'] } });
  await db.$disconnect();

  await waitForTemporal(config.temporal.address, 60_000);
  const env = { ...process.env, DATABASE_URL: url };
  // `node --import tsx` (not the tsx CLI, which SIGKILLs a child that is slow to stop) so
  // SIGTERM reaches each process and it drains.
  const tsx = ['--import', 'tsx'];
  run('sandbox-supplier', process.execPath, [...tsx, 'src/sandbox-supplier/main.ts'], env);
  run('worker', process.execPath, [...tsx, 'src/worker-main.ts'], env);
  run('api', process.execPath, [...tsx, 'src/api/main.ts'], env);
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
  await client.connection.close();
  console.log(
    `[start] schedule ${reconcile.scheduleId} ${reconcile.created ? 'created' : 'up to date'} (02:00 UTC)`,
  );
  for (const s of sweeps)
    console.log(`[start] schedule ${s.scheduleId} ${s.created ? 'created' : 'up to date'}`);

  console.log(`
cardbridge is starting:
  API               http://127.0.0.1:${config.api.port}   (health: /healthz, ready: /readyz)
  Temporal Web UI   http://127.0.0.1:${config.temporal.uiPort}
  Temporal gRPC     ${config.temporal.address}   (temporal workflow list --address ${config.temporal.address})
  Sandbox supplier  http://127.0.0.1:${config.sandbox.port}
  Database          ${embedded ? `embedded PGlite on 127.0.0.1:${config.database.embeddedPort} (data: ${path.join(dataDir, 'pglite')})` : 'DATABASE_URL'}
  temporal CLI      ${temporal}
Press Ctrl-C to stop.`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  void stop(1);
});
