// Key rotation, step 2: re-encrypt every stored code that is not under the active key.
// Batch-wise (one short transaction per batch), idempotent (a row already under the active key
// is never touched, a row changed underneath is skipped and picked up by the next run), and
// the plaintext never leaves this function.
import type { Db } from '../db/client';
import type { CodeVault } from './vault';

export interface ReencryptResult {
  /** Rows moved to the active key. */
  reencrypted: number;
  /** Rows that changed while we worked (left for the next run). */
  skipped: number;
  /** Rows still not under the active key when we finished (0 after a clean run). */
  remaining: number;
  activeKeyId: string;
}

export async function reencryptCodes(
  db: Db,
  vault: CodeVault,
  opts: { batchSize?: number; onBatch?: (done: number) => void } = {},
): Promise<ReencryptResult> {
  const batchSize = opts.batchSize ?? 500;
  const activeKeyId = vault.activeKeyId;
  let reencrypted = 0;
  let skipped = 0;
  let after: bigint = -1n;
  for (;;) {
    const rows = await db.deliveredCode.findMany({
      where: { keyId: { not: activeKeyId }, id: { gt: after } },
      orderBy: { id: 'asc' },
      take: batchSize,
      select: { id: true, ciphertext: true },
    });
    if (!rows.length) break;
    after = rows.at(-1)!.id;
    const updates = rows.map((row) => {
      const { keyId, ciphertext } = vault.encrypt(vault.decrypt(row.ciphertext));
      return { id: row.id, old: row.ciphertext, keyId, ciphertext };
    });
    const counts = await db.$transaction(
      updates.map((u) =>
        // Compare-and-set on the old ciphertext: a concurrent run or rotation is never overwritten.
        db.deliveredCode.updateMany({
          where: { id: u.id, ciphertext: u.old },
          data: { keyId: u.keyId, ciphertext: u.ciphertext },
        }),
      ),
    );
    for (const c of counts) {
      if (c.count === 1) reencrypted++;
      else skipped++;
    }
    opts.onBatch?.(reencrypted);
  }
  const remaining = await db.deliveredCode.count({ where: { keyId: { not: activeKeyId } } });
  return { reencrypted, skipped, remaining, activeKeyId };
}
