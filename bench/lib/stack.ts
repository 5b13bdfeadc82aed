// The real cardbridge stack, every part its own process, for the benchmark and the chaos suite:
// the Temporal dev server (the real CLI, optionally persisted to a SQLite file so it can be
// stopped and restarted on the same port), the database, the sandbox supplier over HTTP, the
// worker (prebuilt workflow bundle) and the API. Each part can be killed and started again.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { loadConfig } from '../../src/config';
import type { Behaviour, SandboxStats } from '../../src/sandbox-supplier/server';
import { createPayloadCodec } from '../../src/temporal/codec';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { startDatabase, type BenchDatabase } from './database';
import { startStatementCounter } from './statement-counter';
import {
  devServerArgs,
  productionServerArgs,
  productionServerEnv,
  setupProductionNamespace,
  setupProductionSchema,
  temporalCli,
  temporalReady,
  temporalServerDir,
} from '../../scripts/lib/temporal';
import { freePort, httpOk, spawnChild, spawnNode, waitUntil, type Child } from './procs';
import { ROOT, tsNode } from '../../scripts/lib/processes';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../../src/worker-node';

export { temporalCli };

export const SUPPLIER_API_KEY = 'bench-supplier-key';
export const SUPPLIER_WEBHOOK_SECRET = 'bench-supplier-webhook-secret';
export const wooSecret = (store: string) => `bench-woo-secret-${store}-0001`;
export const STANDARD_SECRET = 'whsec_YmVuY2gtc3RhbmRhcmQtc2VjcmV0LTAwMDE=';
export const POCKETSFLOW_SECRET = 'bench-pocketsflow-secret-0001';
export const PAYNUP_API_ID = 'BENCHPAYNUP000000001';
export const PAYNUP_KEY = 'bench-paynup-api-key-0001';

export interface StackOptions {
  stores: string[];
  /** Extra environment of the API (workflow timeouts, rate limits). */
  apiEnv?: Record<string, string>;
  workerEnv?: Record<string, string>;
  /** Persist Temporal to a SQLite file (needed to restart the server mid-run). */
  persistTemporal?: boolean;
  /** A PostgreSQL admin URL; a fresh database is created on it. Default: embedded PGlite. */
  databaseAdminUrl?: string;
  logLevel?: string;
  /** Start without a worker (start one with startWorker). */
  noWorker?: boolean;
  /**
   * `dev` (default): the CLI's dev server. `production`: the real server built by
   * scripts/install-temporal-server.sh, configured from deploy/temporal, on PostgreSQL
   * (databaseAdminUrl, required): databases `<temporalDbPrefix>` and `..._visibility`, recreated.
   */
  temporal?: 'dev' | 'production';
  temporalDbPrefix?: string;
  /** The worker as production runs it: `node dist/worker-main.js` (built by `npm run build`). */
  compiledWorker?: boolean;
  /** A workflow bundle already built from this source (a test run's); default: build one. */
  workflowBundlePath?: string;
  /** The API and the worker reach the database through a relay that counts their statements. */
  countStatements?: boolean;
}

/** A free TCP port in 20000-32000 (below the ephemeral range). */
async function freeLowPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

export async function startStack(opts: StackOptions) {
  const compiled = path.join(ROOT, 'dist/worker-main.js');
  if (opts.compiledWorker && !existsSync(compiled))
    throw new Error(`${compiled} is missing: run \`npm run build\` first`);
  const dir = mkdtempSync(path.join(tmpdir(), 'cardbridge-bench-'));
  const procs: Child[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  const logLevel = opts.logLevel ?? 'warn';
  const taskQueue = `bench-${randomBytes(3).toString('hex')}`;
  const [temporalPort, sandboxPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const stopAll = async () => {
    for (const p of procs.reverse()) await p.stop('SIGKILL', 5_000).catch(() => undefined);
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  let temporal!: Child;
  let production: { dir: string; env: Record<string, string>; schemaReady: boolean } | undefined;
  if (opts.temporal === 'production') {
    if (!opts.databaseAdminUrl)
      throw new Error('the production topology needs databaseAdminUrl (PostgreSQL)');
    const dir = temporalServerDir();
    if (!dir) throw new Error('the Temporal server could not be built (scripts/install-temporal-server.sh)');
    // Temporal stores membership ports as smallint: they must be below 32768 (ephemeral ones aren't).
    const others: number[] = [];
    while (others.length < 8) {
      const p = await freeLowPort();
      if (!others.includes(p)) others.push(p);
    }
    const env = productionServerEnv(dir, {
      postgresUrl: opts.databaseAdminUrl,
      dbPrefix: opts.temporalDbPrefix ?? 'temporal_prod',
      ports: { frontend: temporalPort, others },
    });
    production = { dir, env, schemaReady: false };
    cleanups.push(async () => {
      const c = new PgClient({ connectionString: opts.databaseAdminUrl });
      await c.connect();
      for (const db of [env.TEMPORAL_DB!, env.TEMPORAL_VISIBILITY_DB!])
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
      await c.end();
    });
  }

  async function startTemporal(): Promise<Child> {
    if (production) {
      if (!production.schemaReady) {
        await setupProductionSchema(opts.databaseAdminUrl!, production.env, true);
        production.schemaReady = true;
      }
      temporal = spawnChild(
        'temporal',
        path.join(production.dir, 'temporal-server'),
        productionServerArgs(),
        production.env,
      );
      procs.push(temporal);
      await waitUntil('the Temporal server', () => temporalReady(temporalAddress), {
        proc: temporal,
        timeoutMs: 90_000,
      });
      await setupProductionNamespace(temporalAddress, 'default');
      // A new namespace reaches every service's cache some seconds later: until a workflow can be
      // started and terminated, an API would answer 503 to the first deliveries.
      const probe = new Client({ connection: await Connection.connect({ address: temporalAddress }) });
      try {
        await waitUntil(
          'the namespace to accept workflows',
          async () => {
            const h = await probe.workflow.start('readinessProbe', {
              taskQueue: 'readiness-probe',
              workflowId: `readiness-probe-${randomBytes(4).toString('hex')}`,
            });
            await h.terminate('readiness probe');
            return true;
          },
          { proc: temporal, timeoutMs: 60_000, everyMs: 500 },
        );
      } finally {
        await probe.connection.close();
      }
      return temporal;
    }
    temporal = spawnChild(
      'temporal',
      temporalCli(),
      devServerArgs({
        port: temporalPort,
        dbFile: opts.persistTemporal ? path.join(dir, 'temporal.db') : undefined,
      }),
      { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir },
    );
    procs.push(temporal);
    await waitUntil('the Temporal dev server', () => temporalReady(temporalAddress), {
      proc: temporal,
      timeoutMs: 60_000,
    });
    return temporal;
  }

  try {
    const [, database, bundle] = await Promise.all([
      startTemporal(),
      startDatabase(opts.stores, opts.databaseAdminUrl),
      opts.workflowBundlePath
        ? { path: opts.workflowBundlePath }
        : buildWorkflowBundle(path.join(dir, 'workflow-bundle.js')),
    ]);
    cleanups.push(() => database.stop());
    const statements = opts.countStatements ? await startStatementCounter(database.url) : undefined;
    if (statements) cleanups.push(() => statements.stop());

    const storeSecrets = Object.fromEntries(
      opts.stores.map((s) => [
        s,
        {
          woocommerce: [wooSecret(s)],
          standard: [STANDARD_SECRET],
          pocketsflow: [POCKETSFLOW_SECRET],
          // Per store: the global PAYNUP_* variables are only the default of a one-store install.
          paynup: { apiId: PAYNUP_API_ID, apiKeys: [PAYNUP_KEY] },
        },
      ]),
    );
    const common = {
      PATH: process.env.PATH ?? '',
      // Anything a process persists (the sandbox supplier's orders) stays in this run's temp dir.
      DATA_DIR: dir,
      NODE_ENV: 'test',
      LOG_LEVEL: logLevel,
      DATABASE_URL: statements?.url ?? database.url,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      SUPPLIER_BASE_URL: sandboxUrl,
      SUPPLIER_API_KEY,
      SUPPLIER_WEBHOOK_SECRETS: SUPPLIER_WEBHOOK_SECRET,
      SUPPLIER_HTTP_TIMEOUT: '3s',
      // Load and chaos runs saturate 2 cores: the 1 s production deadline would turn slow
      // Temporal answers into 503s (test/temporal-outage.test.ts measures the default).
      API_TEMPORAL_TIMEOUT: '5s',
      STORE_WEBHOOK_SECRETS: JSON.stringify(storeSecrets),
      API_PUBLIC_URL: apiUrl,
      WORKER_METRICS_PORT: '0',
    };

    const sandbox = spawnNode('sandbox', 'src/sandbox-supplier/main.ts', {
      ...common,
      SANDBOX_SUPPLIER_PORT: String(sandboxPort),
    });
    procs.push(sandbox);

    let worker: Child | undefined;
    async function startWorker(env: Record<string, string> = {}): Promise<Child> {
      const health = await freePort();
      const workerEnv = {
        ...common,
        WORKFLOW_BUNDLE_PATH: bundle.path,
        WORKER_HEALTH_PORT: String(health),
        WORKER_SHUTDOWN_GRACE: '5s',
        ...opts.workerEnv,
        ...env,
      };
      // As production runs it: WORKER_NODE_FLAGS, WORKER_NODE_ENV (a --worker-env may override them).
      const nodeArgs = [
        ...WORKER_NODE_FLAGS,
        ...(opts.compiledWorker ? [compiled] : tsNode('src/worker-main.ts')),
      ];
      worker = spawnChild('worker', process.execPath, nodeArgs, { ...WORKER_NODE_ENV, ...workerEnv });
      procs.push(worker);
      await waitUntil('the worker', httpOk(`http://127.0.0.1:${health}/healthz`), { proc: worker });
      return worker;
    }

    let api!: Child;
    /** Starts an API process; on the stack's own port unless `port` is given. */
    async function startApi(env: Record<string, string> = {}, port = apiPort): Promise<Child> {
      const proc = spawnNode('api', 'src/api/main.ts', {
        ...common,
        API_PORT: String(port),
        API_RATE_LIMIT: '100000000',
        API_SHUTDOWN_DELAY: '0s',
        ...opts.apiEnv,
        ...env,
      });
      procs.push(proc);
      await waitUntil('the API', httpOk(`http://127.0.0.1:${port}/readyz`), { proc });
      if (port === apiPort) api = proc;
      return proc;
    }

    await Promise.all([
      waitUntil('the sandbox supplier', httpOk(`${sandboxUrl}/__sandbox/stats`), { proc: sandbox }),
      startApi(),
      opts.noWorker ? undefined : startWorker(),
    ]);

    const codec = createPayloadCodec(loadConfig({ NODE_ENV: 'test' }));
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, dataConverter: { payloadCodecs: [codec] } });
    const pg = new PgClient({ connectionString: database.url });
    await pg.connect();
    cleanups.push(() => pg.end());

    return {
      dir,
      taskQueue,
      temporalAddress,
      apiUrl,
      apiPort,
      sandboxUrl,
      database: database as BenchDatabase,
      /** With countStatements: the statements the API and the worker sent so far. */
      statements,
      common,
      codec,
      client,
      pg,
      get temporal() {
        return temporal;
      },
      get api() {
        return api;
      },
      get worker() {
        return worker;
      },
      sandbox,
      startTemporal,
      startWorker,
      startApi,
      /** Behaviour for every order whose client order id contains `match` (latest rule wins). */
      async sandboxRule(match: string, behaviour: Behaviour) {
        const r = await fetch(`${sandboxUrl}/__sandbox/rules`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ match, behaviour }),
        });
        if (!r.ok) throw new Error(`sandbox rule: ${r.status}`);
      },
      async sandboxStats(): Promise<SandboxStats> {
        return (await (await fetch(`${sandboxUrl}/__sandbox/stats`)).json()) as SandboxStats;
      },
      async sandboxResend(match: string, concurrency = 8): Promise<number> {
        const r = await fetch(`${sandboxUrl}/__sandbox/resend`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ match, concurrency }),
          signal: AbortSignal.timeout(30 * 60_000),
        });
        return ((await r.json()) as { resent: number }).resent;
      },
      /** Orders per status for a store, from the database. */
      async statusCounts(storeId: string): Promise<Record<string, number>> {
        const r = await pg.query<{ status: string; n: string }>(
          'SELECT status, count(*) AS n FROM orders WHERE store_id = $1 GROUP BY status',
          [storeId],
        );
        return Object.fromEntries(r.rows.map((row) => [row.status, Number(row.n)]));
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export type BenchStack = Awaited<ReturnType<typeof startStack>>;
