// The Temporal dev server, one definition for `npm start`, the tests and the benchmark: where the
// real `temporal` CLI is, the `server start-dev` flags cardbridge needs (its search attributes and
// dynamic config), and a readiness check.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Connection } from '@temporalio/client';
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
 * attributes (registered at start) and signal-with-start's multi-operation API.
 * TestWorkflowEnvironment.createLocal takes these as `extraArgs`.
 */
export function devServerFlags(): string[] {
  return [
    ...SEARCH_ATTRIBUTE_REGISTRATIONS.flatMap((sa) => ['--search-attribute', sa]),
    '--dynamic-config-value',
    'frontend.enableExecuteMultiOperation=true',
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
