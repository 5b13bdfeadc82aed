// Offline stand-in for `prisma migrate diff ... --script`, which needs the native schema engine (a download).
//
//   npx tsx scripts/migration-sql.ts                      SQL taking an empty database to prisma/schema.prisma
//                                                         (= --from-empty --to-schema prisma/schema.prisma)
//   npx tsx scripts/migration-sql.ts --from-migrations    SQL taking the database built by prisma/migrations to the
//                                                         schema (= --from-migrations prisma/migrations --to-schema ...);
//                                                         prints "-- This is an empty migration." when there is no drift
//   options: --from-migrations <dir>, --schema <file>, --exit-code (exit 2 when the diff is not empty, like Prisma)
//
// It runs Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm). The package entry imports
// its .wasm as an ES module, which plain Node cannot load, so the module is instantiated here by hand with the
// package's wasm-bindgen glue (schema_engine_bg.js) as the import object. The installed `prisma` CLI ships the
// .wasm built from exactly its engines commit; it is used when its interface matches the glue's.
//
// The engine always talks to a database through a driver adapter: even the empty -> schema diff probes the server
// version first, and --from-migrations replays the migrations on a shadow database. Every connection it asks for
// is a fresh in-memory PGlite (@electric-sql/pglite), served on a loopback port by @electric-sql/pglite-socket and
// reached through @prisma/adapter-pg. Nothing outside this process is touched.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory, ColumnTypeEnum } from '@prisma/driver-adapter-utils';
import type {
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  SqlQueryable,
} from '@prisma/driver-adapter-utils';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DiffTarget, MigrationList, SchemaEngine } from '@prisma/schema-engine-wasm/schema_engine_bg';
import pg from 'pg';

const root = path.resolve(__dirname, '..');

// The project compiles with lib ES2022 only (no DOM), so declare the little of WebAssembly used here.
interface WasmModuleDescriptor {
  module?: string;
  name: string;
  kind: string;
}
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
  Module: { imports(m: object): WasmModuleDescriptor[]; exports(m: object): WasmModuleDescriptor[] };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const USAGE =
  'usage: npx tsx scripts/migration-sql.ts [--schema prisma/schema.prisma] [--from-migrations [prisma/migrations]] [--exit-code]';

function usage(message?: string): never {
  if (message) process.stderr.write(`${message}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(message ? 2 : 0);
}

interface Options {
  schemaPath: string;
  migrationsDir: string | null;
  exitCode: boolean;
}

function readOptions(argv: string[]): Options {
  const options: Options = {
    schemaPath: path.join(root, 'prisma/schema.prisma'),
    migrationsDir: null,
    exitCode: false,
  };
  let tokens;
  try {
    ({ tokens } = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        schema: { type: 'string' },
        'to-schema': { type: 'string' },
        'from-migrations': { type: 'boolean' },
        'from-empty': { type: 'boolean' },
        'exit-code': { type: 'boolean' },
        // Always on; accepted for familiarity with `prisma migrate diff`.
        script: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  // In order, so a later flag wins; --from-migrations takes an optional directory after it.
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'positional') usage(`unknown argument: ${t.value}`);
    if (t.kind !== 'option') continue;
    if (t.name === 'schema' || t.name === 'to-schema') options.schemaPath = path.resolve(t.value!);
    else if (t.name === 'from-migrations') {
      const next = tokens[i + 1];
      if (next?.kind === 'positional') {
        options.migrationsDir = path.resolve(next.value);
        i++;
      } else options.migrationsDir = path.join(root, 'prisma/migrations');
    } else if (t.name === 'from-empty') options.migrationsDir = null;
    else if (t.name === 'exit-code') options.exitCode = true;
    else if (t.name === 'help') usage();
  }
  return options;
}

/** Instantiate the schema engine wasm with the package's JS glue; returns the path of the .wasm used. */
async function loadEngine(): Promise<string> {
  const glueDir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
  const pkgWasm = path.join(glueDir, 'schema_engine_bg.wasm');
  const cliWasm = path.join(
    path.dirname(require.resolve('prisma/package.json')),
    'build/schema_engine_bg.wasm',
  );

  const signature = (m: object) =>
    JSON.stringify([
      Wasm.Module.imports(m)
        .map((d) => `${d.module}:${d.name}:${d.kind}`)
        .sort(),
      Wasm.Module.exports(m)
        .map((d) => `${d.name}:${d.kind}`)
        .sort(),
    ]);
  let wasmPath = pkgWasm;
  let module = await Wasm.compile(readFileSync(pkgWasm));
  if (existsSync(cliWasm)) {
    const cliModule = await Wasm.compile(readFileSync(cliWasm));
    if (signature(cliModule) === signature(module)) {
      wasmPath = cliWasm;
      module = cliModule;
    }
  }

  // The glue reports Rust panics through this global just before the wasm traps.
  (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
    set_message(message: string) {
      process.stderr.write(`migration-sql: schema engine panicked: ${message}\n`);
    },
  };
  const instance = await Wasm.instantiate(module, { './schema_engine_bg.js': glue });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return wasmPath;
}

/** An in-memory PostgreSQL (PGlite) served over the wire protocol on a free loopback port. */
async function startPglite(): Promise<{ url: string; stop: () => Promise<void> }> {
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
  await server.start();
  return {
    url: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * @prisma/adapter-pg 7.10.1 rejects any result column of Postgres' internal one-byte type "char" (oid 18), and
 * the schema engine's catalog queries return such columns (e.g. pg_constraint.contype), expecting them typed as
 * Character. This pg client relabels them as text (oid 25; the text-format value is the same string) so the
 * adapter accepts them, and remembers which columns they were, keyed by the result's rows array (which the
 * adapter returns as is), so that `withCharColumns` can restore the Character column type.
 */
const charColumns = new WeakMap<object, number[]>();
class CharAsTextClient extends pg.Client {}
const baseQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
CharAsTextClient.prototype.query = function query(this: pg.Client, ...args: unknown[]): unknown {
  const relabel = <T>(result: T): T => {
    for (const r of (Array.isArray(result) ? result : [result]) as Array<
      Partial<pg.QueryResult> | undefined
    >) {
      const indexes: number[] = [];
      r?.fields?.forEach((field, i) => {
        if (field.dataTypeID === 18) {
          field.dataTypeID = 25;
          indexes.push(i);
        }
      });
      if (indexes.length > 0 && r?.rows) charColumns.set(r.rows, indexes);
    }
    return result;
  };
  const last = args[args.length - 1];
  if (typeof last === 'function') {
    const callback = last as (error: unknown, result: unknown) => void;
    return baseQuery.call(this, ...args.slice(0, -1), (error: unknown, result: unknown) =>
      callback(error, error ? result : relabel(result)),
    );
  }
  const ret = baseQuery.apply(this, args);
  return ret instanceof Promise ? ret.then(relabel) : ret;
} as typeof pg.Client.prototype.query;

function withCharColumns<T extends SqlQueryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of charColumns.get(result.rows) ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

/** Driver adapter factory whose every connection (main or shadow) is a fresh in-memory PGlite. */
function pgliteAdapterFactory(cleanups: Array<() => Promise<void>>): SqlMigrationAwareDriverAdapterFactory {
  const open = async (): Promise<SqlDriverAdapter> => {
    const db = await startPglite();
    cleanups.push(db.stop);
    const pool = new pg.Pool({ connectionString: db.url, max: 4, Client: CharAsTextClient });
    cleanups.push(() => pool.end());
    // adapter-pg has its own copy of @types/pg; at runtime both are the same `pg`.
    const adapter = withCharColumns(
      await new PrismaPg(pool as unknown as ConstructorParameters<typeof PrismaPg>[0]).connect(),
    );
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) =>
      withCharColumns(await startTransaction(isolationLevel));
    // adapter-pg splits scripts on every ";" (breaking DO $$ ... $$ bodies or ';' inside string literals);
    // send each migration script whole through the simple query protocol instead, as the native engine does.
    adapter.executeScript = async (script: string) => {
      await pool.query(script);
    };
    adapter.dispose = async () => undefined; // the pool and the database are closed by the cleanups
    return adapter;
  };
  return { provider: 'postgres', adapterName: '@prisma/adapter-pg', connect: open, connectToShadowDb: open };
}

function readMigrations(dir: string): MigrationList {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`migrations directory not found: ${path.relative(process.cwd(), dir) || dir}`);
  }
  const lockPath = path.join(dir, 'migration_lock.toml');
  const names = readdirSync(dir)
    .filter((name) => statSync(path.join(dir, name)).isDirectory())
    .sort();
  return {
    baseDir: dir,
    lockfile: {
      path: 'migration_lock.toml',
      content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null,
    },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => {
      const file = path.join(dir, name, 'migration.sql');
      return {
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: existsSync(file)
            ? { tag: 'ok' as const, value: readFileSync(file, 'utf8') }
            : { tag: 'error' as const, value: `${file} not found` },
        },
      };
    }),
  };
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2));
  const debug = Boolean(process.env.MIGRATION_SQL_DEBUG);
  const schema = { path: options.schemaPath, content: readFileSync(options.schemaPath, 'utf8') };
  const from: DiffTarget = options.migrationsDir
    ? { tag: 'migrations', ...readMigrations(options.migrationsDir) }
    : { tag: 'empty' };

  const wasmPath = await loadEngine();
  if (debug) process.stderr.write(`schema engine ${glue.version()} from ${wasmPath}\n`);

  const cleanups: Array<() => Promise<void>> = [];
  const factory = bindMigrationAwareSqlAdapterFactory(pgliteAdapterFactory(cleanups));
  let engine: SchemaEngine | undefined;
  try {
    engine = await glue.SchemaEngine.new(
      { datamodels: [[schema.path, schema.content]] },
      (log: string) => {
        if (debug) process.stderr.write(`${log}\n`);
      },
      factory,
    );
    const result = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: options.exitCode,
      filters: { externalTables: [], externalEnums: [] },
    });
    process.stdout.write(result.stdout ?? '');
    if (options.exitCode) process.exitCode = result.exitCode;
  } catch (error) {
    // Errors thrown by the adapter reach us as "External error id#N"; put the original one back in the message.
    if (error instanceof Error) {
      error.message = error.message.replace(/External error id#(\d+)/g, (text, id: string) => {
        const original = factory.errorRegistry.consumeError(Number(id))?.error;
        return original instanceof Error ? `${text}: ${original.message}` : text;
      });
    }
    throw error;
  } finally {
    engine?.free();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof Error
      ? process.env.MIGRATION_SQL_DEBUG
        ? (error.stack ?? error.message)
        : error.message
      : JSON.stringify(error);
  process.stderr.write(`migration-sql: ${message}\n`);
  process.exit(1);
});
