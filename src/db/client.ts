// Prisma over node-postgres: the same code talks to the embedded PGlite server and to PostgreSQL.
// Prisma and the few statements that bypass it (poolOf) share one connection pool.
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaClient } from '../generated/prisma/client';

export type Db = PrismaClient;

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(url: string): Db {
  const pool = new pg.Pool({ connectionString: url });
  // $disconnect() ends the pool, as it does the pool Prisma would have made itself.
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  pools.set(db, pool);
  return db;
}

/**
 * The connection pool under `db`, for statements that run on every webhook request and are
 * cheaper as plain SQL than through the query builder (src/api/receipts.ts).
 */
export function poolOf(db: Db): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('poolOf: this client was not made by createDb');
  return pool;
}
