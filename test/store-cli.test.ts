// `npm run ops -- store ...` against a real (embedded) database: create, rotate a secret read
// from stdin, disable; the store registry the API and worker use sees each change; nothing
// secret is printed.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../src/config';
import { createCodeVault } from '../src/codes/vault';
import { createDb, type Db } from '../src/db/client';
import { main } from '../src/ops/cli';
import { createStoreRegistry } from '../src/stores/registry';
import { startTestDatabase, type TestDatabase } from './support/stack';

let database: TestDatabase;
let db: Db;
const saved = { ...process.env };
const SECRET = 'cli-woo-secret-0000-abcd';

async function ops(args: string[], stdin = ''): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args, { stdin: () => Promise.resolve(stdin) });
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  database = await startTestDatabase();
  Object.assign(process.env, {
    NODE_ENV: 'test',
    ENV_FILE: '',
    DATABASE_URL: database.url,
    LOG_LEVEL: 'silent',
  });
  db = createDb(database.url);
});

afterAll(async () => {
  process.env = saved;
  await db?.$disconnect();
  await database?.stop();
});

describe('ops store', () => {
  it('creates a store, rotates a secret from stdin, disables it; the registry follows', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
    const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId);
    const registry = createStoreRegistry({ db, vault, config, ttlMs: 0 });

    const set = await ops([
      'store',
      'set',
      'north',
      '--name',
      'North Shop',
      '--platform',
      'headless',
      '--payment-methods',
      'card',
      '--regions',
      'us',
      '--by',
      'Ada',
    ]);
    expect(set.code).toBe(0);
    expect(set.out).toContain('North Shop');
    expect(await registry.resolve('north')).toBeUndefined(); // no secrets yet: nothing verifies

    const add = await ops(['store', 'secret', 'add', 'north', 'woocommerce', '--by', 'Ada'], SECRET);
    expect(add.code).toBe(0);
    expect(add.out).toContain('…abcd');
    expect(add.out).not.toContain(SECRET);
    expect((await registry.resolve('north'))?.secrets.woocommerce).toEqual([SECRET]);
    const row = await db.store.findUniqueOrThrow({ where: { id: 'north' } });
    expect(row.secrets).not.toContain(SECRET);
    expect(row).toMatchObject({ platform: 'headless', updatedBy: 'Ada' });
    expect(row.settings).toMatchObject({ allowedPaymentMethods: ['card'], regions: ['US'] });

    expect((await ops(['store', 'secret', 'add', 'north', 'woocommerce'], 'short')).code).toBe(1); // too short
    expect((await ops(['store', 'secret', 'retire', 'north', 'woocommerce', '…zzzz'])).code).toBe(1);
    expect((await ops(['store', 'secret', 'retire', 'north', 'woocommerce', '…abcd'])).code).toBe(0);
    expect(await registry.resolve('north')).toMatchObject({ secrets: { woocommerce: [] } });

    await ops(['store', 'secret', 'add', 'north', 'woocommerce'], SECRET);
    expect((await ops(['store', 'disable', 'north'])).out).toContain('DISABLED');
    expect(await registry.resolve('north')).toBeUndefined();
    await ops(['store', 'enable', 'north']);
    expect(await registry.resolve('north')).toBeDefined();

    const list = await ops(['store', 'list', '--json']);
    expect(JSON.parse(list.out)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: 'north', disabled: false })]),
    );
    expect(list.out).not.toContain(SECRET);
    expect((await ops(['store', 'set', 'Bad_Id', '--name', 'x', '--platform', 'headless'])).code).toBe(1);
  });

  it('caches for the TTL, then sees a change', async () => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url });
    const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId);
    let now = 0;
    const registry = createStoreRegistry({ db, vault, config, ttlMs: 2_000, now: () => now });
    expect(await registry.resolve('north')).toBeDefined();
    await ops(['store', 'disable', 'north']);
    expect(await registry.resolve('north')).toBeDefined(); // cached
    now = 2_001;
    expect(await registry.resolve('north')).toBeUndefined();
  });
});
