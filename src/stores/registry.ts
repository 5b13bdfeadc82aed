// How the API and the worker find a store's secrets: the environment (STORE_WEBHOOK_SECRETS,
// PAYNUP_*, STOREFRONT_CREDENTIALS, as a one-store install always had) merged with the store's
// row (encrypted `secrets`, `disabled_at`, `settings`). Answers are cached per store for a short TTL, so a
// change made from the console or the CLI is seen within seconds, without a restart.
import type { Config, StoreSecretEntry, StorefrontCredential } from '../config';
import type { CodeVault } from '../codes/vault';
import type { Db } from '../db/client';
import { openSecrets } from './secrets';

export interface ResolvedStore {
  /** Webhook secrets per provider, env entries first, then the database's. */
  secrets: StoreSecretEntry;
  paynup?: { apiId: string; apiKeys: readonly string[] };
  rest?: StorefrontCredential;
  /** The store row's settings (payment-method policy, tolerance, ...); undefined without a row. */
  settings?: unknown;
}

export interface StoreRegistry {
  /** undefined: the store is unknown (neither env nor row) or disabled. */
  resolve(storeId: string): Promise<ResolvedStore | undefined>;
  /** Forget cached answers (after a change made in this process). */
  invalidate(storeId?: string): void;
}

export const STORE_CACHE_TTL_MS = 2_000;

export function createStoreRegistry(deps: {
  db: Db;
  vault: CodeVault;
  config: Pick<Config, 'storeSecrets' | 'paynup' | 'storefronts'>;
  ttlMs?: number;
  now?: () => number;
}): StoreRegistry {
  const ttl = deps.ttlMs ?? STORE_CACHE_TTL_MS;
  const now = deps.now ?? Date.now;
  const cache = new Map<string, { at: number; value: Promise<ResolvedStore | undefined> }>();
  const { config } = deps;

  async function load(storeId: string): Promise<ResolvedStore | undefined> {
    const env = Object.hasOwn(config.storeSecrets, storeId) ? config.storeSecrets[storeId] : undefined;
    const row = await deps.db.store.findUnique({
      where: { id: storeId },
      select: { secrets: true, disabledAt: true, credentialsRef: true, settings: true },
    });
    if (row?.disabledAt) return undefined;
    if (!env && !row?.secrets) return undefined;
    const stored = openSecrets(deps.vault, row?.secrets);
    const secrets: StoreSecretEntry = {
      woocommerce: [...(env?.woocommerce ?? []), ...stored.woocommerce],
      standard: [...(env?.standard ?? []), ...stored.standard],
      pocketsflow: [...(env?.pocketsflow ?? []), ...stored.pocketsflow],
      paynup: stored.paynup ?? env?.paynup,
    };
    // The global PAYNUP_* default only ever applies to a one-store install (config refuses it
    // with several env stores); a store onboarded from the console brings its own keys.
    const globalPaynup =
      !row?.secrets && config.paynup.apiId && config.paynup.apiKeys.length ? config.paynup : undefined;
    const envEntry = row?.credentialsRef ? config.storefronts.credentials[row.credentialsRef] : undefined;
    // A gateway's API key (pocketsflow) is not the storefront's REST credential.
    const envRest = envEntry?.kind === 'pocketsflow' ? undefined : envEntry;
    return {
      secrets,
      paynup: secrets.paynup ?? globalPaynup,
      rest: stored.rest ?? envRest,
      settings: row?.settings ?? undefined,
    };
  }

  return {
    resolve(storeId) {
      const hit = cache.get(storeId);
      if (hit && now() - hit.at < ttl) return hit.value;
      const value = load(storeId);
      cache.set(storeId, { at: now(), value });
      // A failed lookup (database away) is not remembered.
      value.catch(() => cache.delete(storeId));
      if (cache.size > 10_000) cache.clear();
      return value;
    },
    invalidate(storeId) {
      if (storeId === undefined) cache.clear();
      else cache.delete(storeId);
    },
  };
}
