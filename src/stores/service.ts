// Stores as data: create, update, disable, and rotate secrets. Used by the admin page and
// `npm run ops -- store ...`; both record who made the change. Secrets are written encrypted
// and read back only masked.
import { z } from 'zod';
import type { CodeVault } from '../codes/vault';
import type { Db } from '../db/client';
import { STORE_ID } from '../shared/contract';
import {
  maskSecret,
  maskSecrets,
  openSecrets,
  sealSecrets,
  storedSecretsSchema,
  type MaskedSecrets,
  type StoredSecrets,
  type WebhookProvider,
} from './secrets';

export class StoreError extends Error {
  override name = 'StoreError';
}

const csv = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** The editable, non-secret part of a store. */
export const storeFieldsSchema = z.object({
  name: z.string().trim().min(1).max(120),
  platform: z.enum(['woocommerce', 'magento', 'headless']),
  storefrontUrl: z
    .union([z.literal(''), z.url().refine((u) => /^https?:\/\//.test(u), 'must be an http(s) URL')])
    .optional()
    .transform((v) => v || null),
  /** Payment methods allowed to buy codes; empty = any. */
  allowedPaymentMethods: csv.default([]),
  amountTolerance: z
    .string()
    .trim()
    .regex(/^\d+(\.\d{1,3})?$/, 'must be an amount like 0.01')
    .default('0.01'),
  /** Regions this store sells (informational for the console and alerts; SKU mappings carry the region checked). */
  regions: csv
    .pipe(z.array(z.string().regex(/^[A-Z]{2}$/, 'regions are two-letter codes like US, GB')))
    .default([]),
  /** SKU prefixes of the lines that carry a code; empty = every line. */
  codeSkuPrefixes: csv.default([]),
});
export type StoreFields = z.input<typeof storeFieldsSchema>;

export interface StoreView {
  id: string;
  name: string;
  platform: string;
  storefrontUrl: string | null;
  allowedPaymentMethods: string[];
  amountTolerance: string;
  regions: string[];
  codeSkuPrefixes: string[];
  disabled: boolean;
  secrets: MaskedSecrets;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export function describeError(err: z.ZodError): string {
  return err.issues.map((i) => `${i.path.join('.') || 'input'} ${i.message}`).join('; ');
}

export function createStoreService(deps: { db: Db; vault: CodeVault; onChange?: (storeId: string) => void }) {
  const { db, vault } = deps;
  const changed = (id: string) => deps.onChange?.(id);

  function view(row: {
    id: string;
    name: string;
    platform: string;
    storefrontUrl: string | null;
    settings: unknown;
    secrets: string | null;
    disabledAt: Date | null;
    updatedAt: Date | null;
    updatedBy: string | null;
  }): StoreView {
    const s = (row.settings ?? {}) as Record<string, unknown>;
    const arr = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
    return {
      id: row.id,
      name: row.name,
      platform: row.platform,
      storefrontUrl: row.storefrontUrl,
      allowedPaymentMethods: arr(s.allowedPaymentMethods),
      amountTolerance: typeof s.amountTolerance === 'string' ? s.amountTolerance : '0.01',
      regions: arr(s.regions),
      codeSkuPrefixes: arr(s.codeSkuPrefixes),
      disabled: !!row.disabledAt,
      secrets: maskSecrets(openSecrets(vault, row.secrets)),
      updatedAt: row.updatedAt,
      updatedBy: row.updatedBy,
    };
  }

  async function row(id: string) {
    const r = await db.store.findUnique({ where: { id } });
    if (!r) throw new StoreError(`no store "${id}"`);
    return r;
  }

  async function editSecrets(id: string, by: string, edit: (s: StoredSecrets) => void): Promise<StoreView> {
    const r = await row(id);
    const secrets = openSecrets(vault, r.secrets);
    edit(secrets);
    const checked = storedSecretsSchema.safeParse(secrets);
    if (!checked.success) throw new StoreError(describeError(checked.error));
    const updated = await db.store.update({
      where: { id },
      data: { secrets: sealSecrets(vault, checked.data), updatedAt: new Date(), updatedBy: by },
    });
    changed(id);
    return view(updated);
  }

  return {
    async list(): Promise<StoreView[]> {
      return (await db.store.findMany({ orderBy: { id: 'asc' } })).map(view);
    },

    async get(id: string): Promise<StoreView> {
      return view(await row(id));
    },

    /** Creates the store or updates its fields (settings other than these are kept). */
    async save(id: string, input: StoreFields, by: string): Promise<StoreView> {
      if (!STORE_ID.test(id))
        throw new StoreError(
          `"${id}" is not a store id: lowercase letters, digits and "-" (no "_"), up to 40`,
        );
      const parsed = storeFieldsSchema.safeParse(input);
      if (!parsed.success) throw new StoreError(describeError(parsed.error));
      const f = parsed.data;
      const existing = await db.store.findUnique({ where: { id } });
      const settings = {
        ...((existing?.settings ?? {}) as Record<string, unknown>),
        allowedPaymentMethods: f.allowedPaymentMethods.length ? f.allowedPaymentMethods : null,
        amountTolerance: f.amountTolerance,
        regions: f.regions,
        codeSkuPrefixes: f.codeSkuPrefixes,
      };
      const data = {
        name: f.name,
        platform: f.platform,
        storefrontUrl: f.storefrontUrl,
        settings,
        updatedAt: new Date(),
        updatedBy: by,
      };
      const saved = existing
        ? await db.store.update({ where: { id }, data })
        : await db.store.create({ data: { id, ...data } });
      changed(id);
      return view(saved);
    },

    async setDisabled(id: string, disabled: boolean, by: string): Promise<StoreView> {
      await row(id);
      const updated = await db.store.update({
        where: { id },
        data: { disabledAt: disabled ? new Date() : null, updatedAt: new Date(), updatedBy: by },
      });
      changed(id);
      return view(updated);
    },

    /** Rotation, step 1: the new secret is accepted alongside the old ones. */
    addWebhookSecret(id: string, provider: WebhookProvider, secret: string, by: string) {
      return editSecrets(id, by, (s) => {
        const value = secret.trim();
        if (!s[provider].includes(value)) s[provider].push(value);
      });
    },

    /** Rotation, step 2: retire a secret, named by its masked form (…last4). */
    retireWebhookSecret(id: string, provider: WebhookProvider, masked: string, by: string) {
      return editSecrets(id, by, (s) => {
        const matches = s[provider].filter((v) => maskSecret(v) === masked);
        if (matches.length !== 1)
          throw new StoreError(
            matches.length
              ? `${matches.length} ${provider} secrets end the same way; retire from the CLI with the full value`
              : `no ${provider} secret ${masked}`,
          );
        s[provider] = s[provider].filter((v) => v !== matches[0]);
      });
    },

    /** Pay'nUp: set the API id, add a key (rotation: keys accumulate until retired). */
    setPaynup(id: string, input: { apiId?: string; addKey?: string; retireKey?: string }, by: string) {
      return editSecrets(id, by, (s) => {
        const apiId = input.apiId?.trim() || s.paynup?.apiId;
        if (!apiId) throw new StoreError("Pay'nUp needs its API id");
        let keys = [...(s.paynup?.apiKeys ?? [])];
        if (input.addKey?.trim() && !keys.includes(input.addKey.trim())) keys.push(input.addKey.trim());
        if (input.retireKey) keys = keys.filter((k) => maskSecret(k) !== input.retireKey);
        s.paynup = keys.length ? { apiId, apiKeys: keys } : undefined;
        if (!keys.length && (input.apiId || input.addKey))
          throw new StoreError("Pay'nUp needs at least one API key (16 characters or more)");
      });
    },

    setRestCredentials(
      id: string,
      creds:
        | { kind: 'woocommerce'; consumerKey: string; consumerSecret: string }
        | { kind: 'callback'; secret: string },
      by: string,
    ) {
      return editSecrets(id, by, (s) => {
        s.rest = creds;
      });
    },
  };
}

export type StoreService = ReturnType<typeof createStoreService>;
