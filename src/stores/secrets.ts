// A store's secrets as kept in `stores.secrets`: one JSON document encrypted with the code key
// ring (AES-256-GCM, key id inside, so `codes:reencrypt`-style rotation applies). Only masked
// forms ever leave this module for display.
import { z } from 'zod';
import { storefrontCredentialSchema, storeSecretEntrySchema } from '../config';
import type { CodeVault } from '../codes/vault';

export const storedSecretsSchema = storeSecretEntrySchema
  .extend({
    /** Storefront REST credentials (WooCommerce consumer key/secret, or a callback secret). */
    rest: storefrontCredentialSchema.optional(),
  })
  .strict();
export type StoredSecrets = z.output<typeof storedSecretsSchema>;

export const WEBHOOK_PROVIDERS = ['woocommerce', 'standard', 'pocketsflow'] as const;
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

export const EMPTY_SECRETS: StoredSecrets = { woocommerce: [], standard: [], pocketsflow: [] };

export function sealSecrets(vault: CodeVault, secrets: StoredSecrets): string {
  return vault.encrypt(JSON.stringify(storedSecretsSchema.parse(secrets))).ciphertext;
}

export function openSecrets(vault: CodeVault, ciphertext: string | null | undefined): StoredSecrets {
  if (!ciphertext) return structuredClone(EMPTY_SECRETS);
  return storedSecretsSchema.parse(JSON.parse(vault.decrypt(ciphertext)));
}

/** "…" + the last 4 characters: enough to tell two secrets apart, never enough to use one. */
export function maskSecret(secret: string): string {
  return `…${secret.slice(-4)}`;
}

/** What a page or the CLI may show of a store's secrets. */
export interface MaskedSecrets {
  woocommerce: string[];
  standard: string[];
  pocketsflow: string[];
  paynup?: { apiId: string; apiKeys: string[] };
  rest?: { kind: string; masked: string };
}

export function maskSecrets(s: StoredSecrets): MaskedSecrets {
  return {
    woocommerce: s.woocommerce.map(maskSecret),
    standard: s.standard.map(maskSecret),
    pocketsflow: s.pocketsflow.map(maskSecret),
    paynup: s.paynup && { apiId: s.paynup.apiId, apiKeys: s.paynup.apiKeys.map(maskSecret) },
    rest: s.rest && {
      kind: s.rest.kind,
      masked: maskSecret(s.rest.kind === 'woocommerce' ? s.rest.consumerKey : s.rest.secret),
    },
  };
}
