// Codes at rest: key rotation without downtime, and the re-encrypt command.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reencryptCodes } from '../src/codes/reencrypt';
import { createCodeVault, maskCode } from '../src/codes/vault';
import { createDb, type Db } from '../src/db/client';
import { ensureStore } from '../src/db/demo-store';
import { startTestDatabase, type TestDatabase } from './support/stack';

let database: TestDatabase;
let db: Db;
const OLD = randomBytes(32);
const NEW = randomBytes(32);
const FP = randomBytes(32);
let orderId: string;
const plain = (i: number) => `CODE-${String(i).padStart(4, '0')}-ABCD-EFGH`;

beforeAll(async () => {
  database = await startTestDatabase();
  db = createDb(database.url);
  await ensureStore(db, { id: 'shop' }, []);
  const order = await db.order.create({
    data: {
      storeId: 'shop',
      externalOrderId: 'r1',
      workflowId: 'fulfill:shop:r1',
      status: 'delivered',
      channel: 'woocommerce',
      currency: 'USD',
      total: '10',
      lines: { create: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 30, status: 'delivered' }] },
    },
  });
  orderId = order.id;
});
afterAll(async () => {
  await db?.$disconnect();
  await database?.stop();
});

async function store(vault: ReturnType<typeof createCodeVault>, from: number, to: number) {
  for (let i = from; i < to; i++) {
    const { keyId, ciphertext } = vault.encrypt(JSON.stringify({ code: plain(i) }));
    await db.deliveredCode.create({
      data: {
        orderId,
        lineNo: 1,
        unitIndex: i,
        keyId,
        ciphertext,
        masked: maskCode(plain(i)),
        fingerprint: vault.fingerprint(plain(i)),
      },
    });
  }
}

describe('code key rotation', () => {
  it('old key decrypts, new codes use the new key, re-encrypt moves all, then the old key can go', async () => {
    const before = createCodeVault(new Map([['k1', OLD]]), 'k1', FP);
    await store(before, 0, 12);

    // Step 1: add k2 and make it active. Old codes still decrypt; new ones use k2.
    const both = createCodeVault(
      new Map([
        ['k1', OLD],
        ['k2', NEW],
      ]),
      'k2',
      FP,
    );
    await store(both, 12, 20);
    const rows = await db.deliveredCode.findMany({ orderBy: { unitIndex: 'asc' } });
    expect(rows.filter((r) => r.keyId === 'k1')).toHaveLength(12);
    expect(rows.filter((r) => r.keyId === 'k2')).toHaveLength(8);
    for (const r of rows) {
      expect(both.keyIdOf(r.ciphertext)).toBe(r.keyId);
      expect(JSON.parse(both.decrypt(r.ciphertext))).toEqual({ code: plain(r.unitIndex) });
      expect(r.ciphertext).not.toContain(plain(r.unitIndex));
    }

    // Step 2: re-encrypt, in small batches; a second run has nothing to do.
    const batches: number[] = [];
    const first = await reencryptCodes(db, both, { batchSize: 5, onBatch: (n) => batches.push(n) });
    expect(first).toMatchObject({ reencrypted: 12, skipped: 0, remaining: 0, activeKeyId: 'k2' });
    expect(batches).toEqual([5, 10, 12]);
    expect(await reencryptCodes(db, both)).toMatchObject({ reencrypted: 0, remaining: 0 });

    // Step 3: remove k1. Everything still decrypts; fingerprints are unchanged (own key).
    const after = createCodeVault(new Map([['k2', NEW]]), 'k2', FP);
    for (const r of await db.deliveredCode.findMany()) {
      expect(r.keyId).toBe('k2');
      expect(JSON.parse(after.decrypt(r.ciphertext))).toEqual({ code: plain(r.unitIndex) });
      expect(after.fingerprint(plain(r.unitIndex))).toBe(r.fingerprint);
    }
    expect(() => before.decrypt((rows[0] as { ciphertext: string }).ciphertext)).not.toThrow();
    const moved = await db.deliveredCode.findFirstOrThrow({ where: { unitIndex: 0 } });
    expect(() => before.decrypt(moved.ciphertext)).toThrow(/unknown format or key id "k2"/);
  });

  it('two runs at once never overwrite each other and together move every row once', async () => {
    const ring = new Map([
      ['k2', NEW],
      ['k3', randomBytes(32)],
    ]);
    const vault = createCodeVault(ring, 'k3', FP);
    const [a, b] = await Promise.all([
      reencryptCodes(db, vault, { batchSize: 3 }),
      reencryptCodes(db, vault, { batchSize: 7 }),
    ]);
    expect(a.reencrypted + b.reencrypted).toBe(20);
    expect(a.remaining + b.remaining).toBe(0);
    for (const r of await db.deliveredCode.findMany()) {
      expect(r.keyId).toBe('k3');
      expect(JSON.parse(vault.decrypt(r.ciphertext))).toEqual({ code: plain(r.unitIndex) });
    }
  });

  it('errors name the key id, never the code', () => {
    const vault = createCodeVault(new Map([['k9', randomBytes(32)]]), 'k9');
    const other = createCodeVault(new Map([['k9', randomBytes(32)]]), 'k9');
    const { ciphertext } = vault.encrypt('SECRET-CODE-1234');
    expect(() => other.decrypt(ciphertext)).toThrow();
    try {
      other.decrypt(ciphertext);
    } catch (err) {
      expect((err as Error).message).not.toContain('SECRET');
    }
  });
});
