// The code pool: pre-bought codes per storefront SKU, encrypted with the vault on import and
// fingerprinted (a code already in the pool or already delivered is refused). Reservation is
// one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED): concurrent workers never take
// the same code, and none waits for another's lock.
import type { Db } from '../db/client';
import type { IssuedCode } from '../shared/contract';
import { maskCode, type CodeVault } from './vault';

export interface PoolImportResult {
  imported: number;
  /** Codes refused: already in the pool or already delivered (masked only), or a malformed row. */
  refused: { row: number; masked?: string; why: string }[];
}

/**
 * CSV with a header row: `sku,code[,pin]` (store given separately) or `store,sku,code[,pin]`.
 * Plain comma-separated values; codes never contain commas or quotes.
 */
export function parsePoolCsv(text: string, store?: string) {
  const rows = text.split(/\r?\n/).map((l) => l.trim());
  const header = (rows.shift() ?? '').split(',').map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (col('sku') < 0 || col('code') < 0) throw new Error('the CSV header must name the columns sku and code');
  if (!store && col('store') < 0) throw new Error('give --store or a store column');
  return rows.flatMap((line, i) => {
    if (!line) return [];
    const f = line.split(',').map((v) => v.trim());
    return [
      {
        row: i + 2,
        storeId: col('store') >= 0 ? f[col('store')]! : store!,
        sku: f[col('sku')] ?? '',
        code: f[col('code')] ?? '',
        pin: col('pin') >= 0 ? f[col('pin')] || undefined : undefined,
      },
    ];
  });
}

export async function importPoolCodes(
  db: Db,
  vault: CodeVault,
  rows: ReturnType<typeof parsePoolCsv>,
  meta: { by: string; source?: string },
): Promise<PoolImportResult> {
  const result: PoolImportResult = { imported: 0, refused: [] };
  for (const r of rows) {
    if (!r.sku || !r.code || !r.storeId) {
      result.refused.push({ row: r.row, why: 'store, sku and code are required' });
      continue;
    }
    const fingerprint = vault.fingerprint(r.code);
    const masked = maskCode(r.code);
    const known =
      (await db.poolCode.findUnique({ where: { fingerprint } })) ??
      (await db.deliveredCode.findUnique({ where: { fingerprint } }));
    if (known) {
      result.refused.push({ row: r.row, masked, why: 'code already known' });
      continue;
    }
    const { keyId, ciphertext } = vault.encrypt(
      JSON.stringify(r.pin ? { code: r.code, pin: r.pin } : { code: r.code }),
    );
    try {
      await db.poolCode.create({
        data: {
          storeId: r.storeId,
          sku: r.sku,
          keyId,
          ciphertext,
          masked,
          fingerprint,
          importedBy: meta.by,
          source: meta.source ?? null,
        },
      });
      result.imported++;
    } catch {
      result.refused.push({ row: r.row, masked, why: 'code already known' }); // a duplicate inside the file, or a racing import
    }
  }
  return result;
}

/**
 * Reserves up to `count` codes of a SKU for one order line, atomically across workers. Codes
 * this line already holds (an activity retry) count first, so a retry never takes more.
 */
export async function reservePoolCodes(
  db: Db,
  vault: CodeVault,
  input: { workflowId: string; storeId: string; sku: string; lineNo: number; count: number },
): Promise<{ codes: IssuedCode[]; masked: string[]; available: number }> {
  const held = await db.poolCode.findMany({
    where: { reservedBy: input.workflowId, reservedLine: input.lineNo, status: 'reserved' },
    orderBy: { id: 'asc' },
  });
  const storedFingerprints = new Set(
    (
      await db.deliveredCode.findMany({
        where: {
          order: { workflowId: input.workflowId },
          fingerprint: { in: held.map((h) => h.fingerprint) },
        },
        select: { fingerprint: true },
      })
    ).map((d) => d.fingerprint),
  );
  const mine = held
    .filter((h) => !storedFingerprints.has(h.fingerprint))
    .map((h) => ({ ciphertext: h.ciphertext, masked: h.masked }));
  const more = input.count - mine.length;
  if (more > 0) {
    const taken = await db.$queryRaw<{ ciphertext: string; masked: string }[]>`
      UPDATE pool_codes SET status = 'reserved', reserved_by = ${input.workflowId},
        reserved_line = ${input.lineNo}, reserved_at = now()
      WHERE id IN (
        SELECT id FROM pool_codes
        WHERE store_id = ${input.storeId} AND sku = ${input.sku} AND status = 'available'
        ORDER BY id LIMIT ${more}
        FOR UPDATE SKIP LOCKED)
      RETURNING ciphertext, masked`;
    mine.push(...taken);
  }
  const available = await db.poolCode.count({
    where: { storeId: input.storeId, sku: input.sku, status: 'available' },
  });
  const chosen = mine.slice(0, input.count);
  return {
    codes: chosen.map((c) => JSON.parse(vault.decrypt(c.ciphertext)) as IssuedCode),
    masked: chosen.map((c) => c.masked),
    available,
  };
}

/** The order delivered: its reserved codes are spent. */
export async function spendPoolCodes(db: Db, workflowId: string): Promise<void> {
  await db.poolCode.updateMany({
    where: { reservedBy: workflowId, status: 'reserved' },
    data: { status: 'delivered' },
  });
}

/**
 * The order ended without delivering (cancelled, refunded before any delivery notice): its
 * reserved codes go back to the pool, and the order's stored copies of them are removed. A code
 * that may have reached the customer (a delivery notice was attempted) never goes back.
 */
export async function releasePoolCodes(db: Db, workflowId: string): Promise<number> {
  return db.$transaction(async (tx) => {
    const order = await tx.order.findUnique({ where: { workflowId } });
    const rows = await tx.poolCode.findMany({ where: { reservedBy: workflowId, status: 'reserved' } });
    if (!rows.length) return 0;
    if (order) {
      const sent = await tx.notification.count({ where: { orderId: order.id, template: 'delivered' } });
      if (sent > 0) return 0;
      await tx.deliveredCode.deleteMany({
        where: { orderId: order.id, fingerprint: { in: rows.map((r) => r.fingerprint) } },
      });
    }
    await tx.poolCode.updateMany({
      where: { id: { in: rows.map((r) => r.id) } },
      data: { status: 'available', reservedBy: null, reservedLine: null, reservedAt: null },
    });
    return rows.length;
  });
}
