// The Temporal dev server, one definition for `npm start`, the tests and the benchmark: where the
// real `temporal` CLI is, the `server start-dev` flags cardbridge needs (its search attributes and
// dynamic config), and a readiness check.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../../src/shared/contract';
import { ROOT } from './processes';

let cliPath: string | undefined;
/**
 * The real temporal CLI: $TEMPORAL_CLI_PATH, a `temporal` on PATH, or .tools/bin (built or
 * downloaded by scripts/install-temporal.sh the first time, cached after).
 */
export function temporalCli(): string {
  cliPath ??= execFileSync('bash', [path.join(ROOT, 'scripts/install-temporal.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return cliPath;
}

/**
 * What every cardbridge dev server needs on top of `server start-dev`: the custom search
 * attributes (registered at start), signal-with-start's multi-operation API, and room for more
 * than one batch operation at a time (the runbook's batch terminate right after another batch).
 * TestWorkflowEnvironment.createLocal takes these as `extraArgs`.
 */
export function devServerFlags(): string[] {
  return [
    ...SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', sa]),
    '--dynamic-config-value',
    'frontend.enableExecuteMultiOperation=true',
    '--dynamic-config-value',
    'frontend.MaxConcurrentBatchOperationPerNamespace=5',
  ];
}

export interface DevServerOptions {
  ip?: string;
  port: number;
  /** Web UI port; undefined = headless. */
  uiPort?: number;
  /** SQLite file: the server survives restarts. undefined = in memory. */
  dbFile?: string;
  namespace?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Codec endpoint the Web UI decodes payloads through. */
  uiCodecEndpoint?: string;
}

/** Arguments of `temporal server start-dev` for cardbridge. */
export function devServerArgs(o: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    o.ip ?? '127.0.0.1',
    '--port',
    String(o.port),
    ...(o.uiPort === undefined ? ['--headless'] : ['--ui-port', String(o.uiPort)]),
    ...(o.dbFile ? ['--db-filename', o.dbFile] : []),
    ...(o.namespace && o.namespace !== 'default' ? ['--namespace', o.namespace] : []),
    '--log-level',
    o.logLevel ?? 'error',
    ...(o.uiCodecEndpoint ? ['--ui-codec-endpoint', o.uiCodecEndpoint] : []),
    ...devServerFlags(),
  ];
}

/** One GetSystemInfo call with a short deadline: true when the frontend answers. */
export async function temporalReady(address: string): Promise<boolean> {
  const c = await Connection.connect({ address, connectTimeout: 1000 });
  try {
    await c.withDeadline(Date.now() + 2_000, () => c.workflowService.getSystemInfo({}));
    return true;
  } finally {
    await c.close();
  }
}

// ---------------------------------------------------------------- the production-shaped server

/**
 * The directory of the real Temporal server (temporal-server, temporal-sql-tool, schema/), built
 * by scripts/install-temporal-server.sh the first time and cached; undefined when it can't be.
 */
export function temporalServerDir(): string | undefined {
  try {
    return execFileSync('bash', [path.join(ROOT, 'scripts/install-temporal-server.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  } catch {
    return undefined;
  }
}

export interface ProductionServerOptions {
  /** A PostgreSQL URL whose user may create databases (user, password, host, port are used). */
  postgresUrl: string;
  /** Temporal's databases: `<prefix>` and `<prefix>_visibility`. */
  dbPrefix: string;
  /** Frontend gRPC port; the other services take the next free ports given. */
  ports: { frontend: number; others: number[] };
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/**
 * The environment of deploy/temporal/config/production.yaml and deploy/temporal/setup-*.sh for a
 * server on the host: the same files docker-compose.yml uses, only the values differ.
 */
export function productionServerEnv(dir: string, o: ProductionServerOptions): Record<string, string> {
  const u = new URL(o.postgresUrl);
  const [fh, fm, hg, hm, mg, mm, wg, wm] = o.ports.others;
  if (wm === undefined) throw new Error('productionServerEnv: 8 ports besides the frontend');
  return {
    PATH: process.env.PATH ?? '',
    POSTGRES_SEEDS: u.hostname,
    DB_PORT: u.port || '5432',
    POSTGRES_USER: decodeURIComponent(u.username),
    POSTGRES_PWD: decodeURIComponent(u.password),
    TEMPORAL_DB: o.dbPrefix,
    TEMPORAL_VISIBILITY_DB: `${o.dbPrefix}_visibility`,
    TEMPORAL_SQL_TOOL: path.join(dir, 'temporal-sql-tool'),
    TEMPORAL_SCHEMA_DIR: path.join(dir, 'schema'),
    DYNAMIC_CONFIG_FILE_PATH: path.join(ROOT, 'deploy/temporal/dynamicconfig/production-sql.yaml'),
    LOG_LEVEL: o.logLevel ?? 'error',
    FRONTEND_GRPC_PORT: String(o.ports.frontend),
    FRONTEND_HTTP_PORT: String(fh),
    FRONTEND_MEMBERSHIP_PORT: String(fm),
    HISTORY_GRPC_PORT: String(hg),
    HISTORY_MEMBERSHIP_PORT: String(hm),
    MATCHING_GRPC_PORT: String(mg),
    MATCHING_MEMBERSHIP_PORT: String(mm),
    WORKER_GRPC_PORT: String(wg),
    WORKER_MEMBERSHIP_PORT: String(wm),
  };
}

/** Arguments of the built server: the config directory deploy/temporal/config, env `production`. */
export const productionServerArgs = () => [
  '--root',
  ROOT,
  '--config',
  'deploy/temporal/config',
  '--env',
  'production',
  '--allow-no-auth',
  'start',
];

/**
 * Drops Temporal's two databases when `fresh` (WITH (FORCE): a killed server's connections too),
 * then creates them and applies the schema (deploy/temporal/setup-schema.sh).
 */
export async function setupProductionSchema(
  adminUrl: string,
  env: Record<string, string>,
  fresh: boolean,
): Promise<void> {
  if (fresh) {
    const c = new PgClient({ connectionString: adminUrl });
    await c.connect();
    try {
      for (const db of [env.TEMPORAL_DB!, env.TEMPORAL_VISIBILITY_DB!])
        await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  }
  execFileSync('sh', [path.join(ROOT, 'deploy/temporal/setup-schema.sh')], { env, stdio: 'pipe' });
}

/** Namespace + search attributes (setup-namespace.sh, the list in deploy/temporal). */
export async function setupProductionNamespace(address: string, namespace: string): Promise<void> {
  await promisify(execFile)('sh', [path.join(ROOT, 'deploy/temporal/setup-namespace.sh')], {
    env: {
      PATH: process.env.PATH ?? '',
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_CLI: temporalCli(),
      HOME: process.env.HOME ?? '/tmp',
    },
  });
}
