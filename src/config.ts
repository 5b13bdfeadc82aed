// The only module that reads process.env. It parses once, fails fast with one sentence per
// bad variable, and the parsed object is passed down explicitly.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { STORE_ID } from './shared/contract';

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "10m", "2h", "3d", "500ms" -> milliseconds. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration like 500ms, 30s, 10m, 2h or 3d`);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => DURATION.test(v.trim()), { message: 'must be a duration like 500ms, 30s, 10m, 2h or 3d' })
    .transform(parseDuration);

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
const json = <T extends z.ZodType>(schema: T, fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** One store's webhook secrets; several per provider so a secret can rotate without downtime. */
export const storeSecretEntrySchema = z
  .object({
    woocommerce: z.array(z.string().min(16)).default([]),
    standard: z
      .array(
        z.string().refine(
          (v) => {
            const b64 = v.replace(/^whsec_/, '');
            return /^[A-Za-z0-9+/]+={0,2}$/.test(b64) && Buffer.from(b64, 'base64').length >= 16;
          },
          {
            message:
              'must be whsec_<base64> (or bare base64) of at least 16 bytes, as Standard Webhooks secrets are',
          },
        ),
      )
      .default([]),
    pocketsflow: z.array(z.string().min(16)).default([]),
    /** This store's Pay'nUp API id (the tokens' `iss`) and active API keys. */
    paynup: z
      .object({ apiId: z.string().min(1), apiKeys: z.array(z.string().min(16)).min(1) })
      .strict()
      .optional(),
  })
  .strict();
export type StoreSecretEntry = z.output<typeof storeSecretEntrySchema>;

/** Per-store webhook secrets (STORE_WEBHOOK_SECRETS), keyed by store id. */
const storeSecretsSchema = z.record(z.string(), storeSecretEntrySchema).superRefine((stores, ctx) => {
  for (const id of Object.keys(stores))
    if (!STORE_ID.test(id))
      ctx.addIssue({
        code: 'custom',
        path: [id],
        message:
          'is not a store id: 1-40 lowercase letters, digits and "-", starting with a letter or digit (no "_": ' +
          'the supplier client order id cb_<store>_<order>_b<n> must decode to one store)',
      });
});

/** "kid:base64key,kid2:base64key" — 32-byte AES keys for codes at rest. */
const keyRing = (fallback: string) =>
  list(fallback).transform((items, ctx) => {
    const keys = new Map<string, Buffer>();
    for (const item of items) {
      const [id, b64] = item.split(':');
      const key = b64 ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
      if (!id || key.length !== 32) {
        ctx.addIssue({ code: 'custom', message: 'each entry must be <keyId>:<base64 of 32 bytes>' });
        return z.NEVER;
      }
      keys.set(id, key);
    }
    return keys;
  });

/** Where each store's storefront REST credentials live; stores name an entry (credentials_ref). */
const wooCommerceCredential = z
  .object({
    kind: z.literal('woocommerce'),
    consumerKey: z.string().min(8),
    consumerSecret: z.string().min(8),
  })
  .strict();
const callbackCredential = z.object({ kind: z.literal('callback'), secret: z.string().min(16) }).strict();
/** A store's Pocketsflow API key (named by its settings.pocketsflowCredentialsRef), for the sweep. */
const pocketsflowCredential = z
  .object({ kind: z.literal('pocketsflow'), apiKey: z.string().min(8), baseUrl: z.url().optional() })
  .strict();
/** A storefront's own REST credentials (WooCommerce) or signed-callback secret. */
export const storefrontCredentialSchema = z.discriminatedUnion('kind', [
  wooCommerceCredential,
  callbackCredential,
]);
export type StorefrontCredential = z.output<typeof storefrontCredentialSchema>;
const storefrontCredentialsSchema = z.record(
  z.string().min(1),
  z.discriminatedUnion('kind', [wooCommerceCredential, callbackCredential, pocketsflowCredential]),
);

/** A 32-byte key given as base64. */
const key32 = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return undefined;
    const key = Buffer.from(v, 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'must be the base64 of 32 bytes' });
      return z.NEVER;
    }
    return key;
  });

/** A PEM given inline (TEMPORAL_TLS_CERT="-----BEGIN ...") or as a path to a file holding it. */
const pem = (what: 'CERTIFICATE' | 'PRIVATE KEY') =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (!v?.trim()) return undefined;
      const inline = v.includes('-----BEGIN');
      if (!inline && !existsSync(v)) {
        ctx.addIssue({ code: 'custom', message: 'is neither PEM text nor the path of an existing file' });
        return z.NEVER;
      }
      const text = inline ? v.replace(/\\n/g, '\n') : readFileSync(v, 'utf8');
      if (!new RegExp(`-----BEGIN [A-Z ]*${what}-----`).test(text)) {
        ctx.addIssue({ code: 'custom', message: `does not contain a PEM ${what.toLowerCase()}` });
        return z.NEVER;
      }
      return Buffer.from(text);
    });

const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : undefined));

const positive = z.coerce.number().positive().optional();

// Demo values so `npm start` works on a fresh clone. Refused when NODE_ENV=production.
const DEV = {
  supplierApiKey: 'sandbox-api-key',
  supplierWebhookSecrets: 'sandbox-webhook-secret-0001',
  storeSecrets: JSON.stringify({
    demo: {
      woocommerce: ['demo-woocommerce-secret-0001'],
      standard: ['whsec_ZGVtby1zdGFuZGFyZC1zZWNyZXQtMDAwMQ=='],
      pocketsflow: ['demo-pocketsflow-secret-0001'],
    },
  }),
  codeKeys: 'dev1:ZGV2LW9ubHktY29kZS1rZXktZG8tbm90LXVzZS0zMmI=',
  adminToken: 'dev-admin-token',
  codecKeys: 'devc1:ZGV2LW9ubHktY29kZWMta2V5LWRvLW5vdC11c2UtMzI=',
};

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATA_DIR: z.string().default('.data'),

    DATABASE_URL: z.url({ message: 'must be a postgresql:// URL' }).optional(),
    EMBEDDED_DB_PORT: port(5433),

    TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().default('default'),
    TEMPORAL_TASK_QUEUE: z.string().default('fulfillment'),
    TEMPORAL_UI_PORT: port(8233),
    // Remote cluster / Temporal Cloud. An API key, a CA, a server name or a client certificate
    // turns TLS on; TEMPORAL_TLS=true alone means TLS with the system's root CAs.
    TEMPORAL_TLS: flag,
    TEMPORAL_TLS_CERT: pem('CERTIFICATE'),
    TEMPORAL_TLS_KEY: pem('PRIVATE KEY'),
    TEMPORAL_TLS_CA: pem('CERTIFICATE'),
    TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
    TEMPORAL_API_KEY: z.string().optional(),

    // Worker (production): prebuilt workflow bundle, health port, supplier rate limits, drain.
    WORKFLOW_BUNDLE_PATH: z.string().optional(),
    WORKER_HEALTH_PORT: port(0),
    WORKER_MAX_ACTIVITIES_PER_SECOND: positive,
    WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: positive,
    WORKER_SHUTDOWN_GRACE: duration('30s'),
    /**
     * Workflows kept in the worker's sticky cache. A parked order (waiting for a supplier, a
     * payment or a person) then costs storage, not memory: an evicted one is replayed from its
     * history when its next event arrives. The SDK's default grows with the machine's memory.
     */
    WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(250),

    API_PORT: port(3000),
    API_PUBLIC_URL: z.url().optional(),
    API_BODY_LIMIT: z.string().default('256kb'),
    WEBHOOK_TOLERANCE: duration('5m'),
    API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
    API_RATE_LIMIT_WINDOW: duration('1m'),
    API_SHUTDOWN_DELAY: z
      .string()
      .optional()
      .refine((v) => v === undefined || DURATION.test(v.trim()), {
        message: 'must be a duration like 500ms, 30s, 10m, 2h or 3d',
      }),
    API_SHUTDOWN_TIMEOUT: duration('20s'),
    // Deadline of the API's Temporal calls for one webhook: Temporal away = 503 within this.
    API_TEMPORAL_TIMEOUT: duration('1s'),

    SUPPLIER_BASE_URL: z.url().default('http://127.0.0.1:4010'),
    SUPPLIER_LOW_BALANCE: z
      .string()
      .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount like 100 or 99.50')
      .default('100'),
    SUPPLIER_API_KEY: z.string().min(8).optional(),
    SUPPLIER_WEBHOOK_SECRETS: list('').pipe(z.array(z.string().min(16))),
    SUPPLIER_HTTP_TIMEOUT: duration('20s'),
    // The second supplier (Kinguin-style API); off unless KINGUIN_BASE_URL is set.
    KINGUIN_BASE_URL: z.url().optional(),
    KINGUIN_API_KEY: z.string().min(8).optional(),
    KINGUIN_WEBHOOK_SECRETS: list('').pipe(z.array(z.string().min(16))),
    // A pool SKU under this many available codes raises the low-stock alert (log + metric).
    POOL_LOW_STOCK: z.coerce.number().int().min(0).default(10),

    STORE_WEBHOOK_SECRETS: json(storeSecretsSchema, '{}'),

    PAYNUP_API_ID: z.string().default(''),
    PAYNUP_API_KEYS: list(''),

    PAYMENT_WAIT: duration('24h'),
    SUPPLIER_WEBHOOK_WAIT: duration('10m'),
    SUPPLIER_MAX_WAIT: duration('2h'),
    REVIEW_REMINDER_AFTER: duration('24h'),

    CODE_ENCRYPTION_KEYS: keyRing(''),
    CODE_ACTIVE_KEY_ID: z.string().optional(),

    CODE_FINGERPRINT_KEY: key32,

    TEMPORAL_CODEC_KEYS: keyRing(''),
    TEMPORAL_CODEC_ACTIVE_KEY_ID: z.string().optional(),
    CODEC_CORS_ORIGINS: list(''),

    SMTP_URL: z
      .url({ message: 'must be an smtp:// or smtps:// URL' })
      .refine((v) => /^smtps?:\/\//.test(v), { message: 'must be an smtp:// or smtps:// URL' })
      .optional(),
    MAIL_FROM: z.string().min(3).default('cardbridge <no-reply@cardbridge.invalid>'),

    // Alerts for a person (src/alerts): where they go, how often the conditions are scanned,
    // how long a review may wait, and at most how many messages per window.
    ALERT_EMAIL_TO: list('').pipe(
      z.array(z.string().regex(/^[^\s@,<>]+@[^\s@,<>]+$/, 'must be email addresses, comma-separated')),
    ),
    ALERT_WEBHOOK_URL: z.url().optional(),
    ALERT_SCAN_INTERVAL: duration('1m'),
    ALERT_REVIEW_WAIT: duration('15m'),
    ALERT_RATE_LIMIT: z.coerce.number().int().min(1).default(10),
    ALERT_RATE_WINDOW: duration('1h'),

    STOREFRONT_CREDENTIALS: json(storefrontCredentialsSchema, '{}'),
    STOREFRONT_HTTP_TIMEOUT: duration('15s'),
    /** How often each store's recovery sweep lists its recently modified orders. */
    STOREFRONT_SWEEP_INTERVAL: duration('5m'),

    ADMIN_TOKEN: z.string().min(12).optional(),
    // Personal sign-in tokens for the exceptions page, "Name:token,Name 2:token2": a decision
    // made in such a session records that name as authenticated (the shared ADMIN_TOKEN only
    // records the name typed at sign-in, marked as self-declared).
    ADMIN_USERS: list('').transform((items, ctx) =>
      items.map((item) => {
        const at = item.lastIndexOf(':');
        const name = at > 0 ? item.slice(0, at).trim() : '';
        const token = at > 0 ? item.slice(at + 1).trim() : '';
        if (!/^[\p{L}\p{N} ._@-]{1,64}$/u.test(name) || token.length < 16)
          ctx.addIssue({
            code: 'custom',
            message: 'each entry must be <name>:<token of at least 16 characters>',
          });
        return { name, token };
      }),
    ),

    SANDBOX_SUPPLIER_PORT: port(4010),

    // Prometheus: the worker's /metrics (0 = off) and the loopback port of the Temporal SDK's
    // exporter it merges in; METRICS_TOKEN, when set, is required as a bearer token by both /metrics.
    WORKER_METRICS_PORT: port(9464),
    TEMPORAL_SDK_METRICS_PORT: port(9465),
    METRICS_TOKEN: z.string().min(12).optional(),
  })
  .transform((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    const need = <T>(value: T | undefined | '' | [], fallback: T, name: string): T => {
      const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
      if (!empty) return value as T;
      if (production) ctx.addIssue({ code: 'custom', path: [name], message: 'is required in production' });
      return fallback;
    };
    if (env.ALERT_EMAIL_TO.length && !env.SMTP_URL)
      ctx.addIssue({
        code: 'custom',
        path: ['ALERT_EMAIL_TO'],
        message: 'is set, but SMTP_URL is not: alert emails need an SMTP server',
      });
    const devStoreSecrets = storeSecretsSchema.parse(JSON.parse(DEV.storeSecrets));
    const storeCount = Object.keys(env.STORE_WEBHOOK_SECRETS).length;
    if ((env.PAYNUP_API_ID || env.PAYNUP_API_KEYS.length) && storeCount > 1) {
      // Order numbers repeat across stores: one key for several stores would let a token for
      // store A's order 1042 pay store B's order 1042.
      ctx.addIssue({
        code: 'custom',
        path: ['PAYNUP_API_KEYS'],
        message:
          `is the Pay'nUp default of a one-store install, but ${storeCount} stores are configured: ` +
          'give each store that takes Pay\'nUp its own "paynup": {"apiId", "apiKeys"} in STORE_WEBHOOK_SECRETS',
      });
    }
    const codeKeys = need(
      env.CODE_ENCRYPTION_KEYS.size ? env.CODE_ENCRYPTION_KEYS : undefined,
      keyRing('').parse(DEV.codeKeys),
      'CODE_ENCRYPTION_KEYS',
    );
    const activeKeyId = env.CODE_ACTIVE_KEY_ID ?? [...codeKeys.keys()].at(-1)!;
    if (!codeKeys.has(activeKeyId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['CODE_ACTIVE_KEY_ID'],
        message: `names key "${activeKeyId}", which CODE_ENCRYPTION_KEYS does not contain`,
      });
    }
    const codecKeys = need(
      env.TEMPORAL_CODEC_KEYS.size ? env.TEMPORAL_CODEC_KEYS : undefined,
      keyRing('').parse(DEV.codecKeys),
      'TEMPORAL_CODEC_KEYS',
    );
    const codecActiveKeyId = env.TEMPORAL_CODEC_ACTIVE_KEY_ID ?? [...codecKeys.keys()].at(-1)!;
    if (!codecKeys.has(codecActiveKeyId)) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_CODEC_ACTIVE_KEY_ID'],
        message: `names key "${codecActiveKeyId}", which TEMPORAL_CODEC_KEYS does not contain`,
      });
    }
    // Fingerprints must survive key rotation, so in production their key is its own secret.
    // Elsewhere it is derived from the first code key (the vault's default).
    const fingerprintKey = need(env.CODE_FINGERPRINT_KEY, undefined, 'CODE_FINGERPRINT_KEY');
    const clientCertPair =
      env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY
        ? { crt: env.TEMPORAL_TLS_CERT, key: env.TEMPORAL_TLS_KEY }
        : undefined;
    if (!!env.TEMPORAL_TLS_CERT !== !!env.TEMPORAL_TLS_KEY) {
      const missing = env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT';
      const given = env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY';
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${given} is set` });
    }
    const tlsImplied = !!(
      env.TEMPORAL_API_KEY ||
      clientCertPair ||
      env.TEMPORAL_TLS_CA ||
      env.TEMPORAL_TLS_SERVER_NAME
    );
    if (env.TEMPORAL_TLS === false && tlsImplied) {
      ctx.addIssue({
        code: 'custom',
        path: ['TEMPORAL_TLS'],
        message: 'is false, but an API key or TLS certificate/CA/server name is set (they need TLS)',
      });
    }
    const tls =
      env.TEMPORAL_TLS === false || !(env.TEMPORAL_TLS || tlsImplied)
        ? undefined
        : {
            clientCertPair,
            serverRootCACertificate: env.TEMPORAL_TLS_CA,
            serverNameOverride: env.TEMPORAL_TLS_SERVER_NAME || undefined,
          };
    return {
      env: env.NODE_ENV,
      logLevel: env.LOG_LEVEL,
      dataDir: env.DATA_DIR,
      database: { url: env.DATABASE_URL, embeddedPort: env.EMBEDDED_DB_PORT },
      temporal: {
        address: env.TEMPORAL_ADDRESS,
        namespace: env.TEMPORAL_NAMESPACE,
        taskQueue: env.TEMPORAL_TASK_QUEUE,
        uiPort: env.TEMPORAL_UI_PORT,
        /** undefined = plaintext (local dev server); otherwise TLS, with mTLS when a pair is given. */
        tls,
        apiKey: env.TEMPORAL_API_KEY || undefined,
      },
      worker: {
        /** Prebuilt workflow bundle; production defaults to dist/workflow-bundle.js next to the code. */
        workflowBundlePath: env.WORKFLOW_BUNDLE_PATH || undefined,
        /** 0 = no health endpoint. */
        healthPort: env.WORKER_HEALTH_PORT,
        maxActivitiesPerSecond: env.WORKER_MAX_ACTIVITIES_PER_SECOND,
        maxTaskQueueActivitiesPerSecond: env.WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND,
        shutdownGraceMs: env.WORKER_SHUTDOWN_GRACE,
        maxCachedWorkflows: env.WORKER_MAX_CACHED_WORKFLOWS,
      },
      api: {
        port: env.API_PORT,
        publicUrl: env.API_PUBLIC_URL ?? `http://127.0.0.1:${env.API_PORT}`,
        bodyLimit: env.API_BODY_LIMIT,
        webhookToleranceMs: env.WEBHOOK_TOLERANCE,
        /** Webhook requests per window per (provider, store, client IP). */
        rateLimit: { max: env.API_RATE_LIMIT, windowMs: env.API_RATE_LIMIT_WINDOW },
        adminToken: need(env.ADMIN_TOKEN, DEV.adminToken, 'ADMIN_TOKEN'),
        adminUsers: env.ADMIN_USERS,
        /** After SIGTERM: /readyz answers 503 this long (load balancers stop routing) before closing. */
        shutdownDelayMs: env.API_SHUTDOWN_DELAY
          ? parseDuration(env.API_SHUTDOWN_DELAY)
          : production
            ? 5_000
            : 0,
        /** Then in-flight requests get this long before remaining connections are cut. */
        shutdownTimeoutMs: env.API_SHUTDOWN_TIMEOUT,
        /** One webhook's Temporal calls fail after this (503, the sender retries). */
        temporalTimeoutMs: env.API_TEMPORAL_TIMEOUT,
      },
      supplier: {
        baseUrl: env.SUPPLIER_BASE_URL,
        apiKey: need(env.SUPPLIER_API_KEY, DEV.supplierApiKey, 'SUPPLIER_API_KEY'),
        webhookSecrets: need(
          env.SUPPLIER_WEBHOOK_SECRETS,
          [DEV.supplierWebhookSecrets],
          'SUPPLIER_WEBHOOK_SECRETS',
        ),
        httpTimeoutMs: env.SUPPLIER_HTTP_TIMEOUT,
        lowBalance: env.SUPPLIER_LOW_BALANCE,
      },
      storeSecrets: Object.keys(env.STORE_WEBHOOK_SECRETS).length
        ? env.STORE_WEBHOOK_SECRETS
        : need(undefined, devStoreSecrets, 'STORE_WEBHOOK_SECRETS'),
      /** Global Pay'nUp credentials: the default of a one-store install (see paynupFor). */
      paynup: { apiId: env.PAYNUP_API_ID, apiKeys: env.PAYNUP_API_KEYS },
      timeouts: {
        paymentWaitMs: env.PAYMENT_WAIT,
        supplierCallTimeoutMs: env.SUPPLIER_HTTP_TIMEOUT + 5_000,
        supplierWebhookWaitMs: env.SUPPLIER_WEBHOOK_WAIT,
        supplierMaxWaitMs: env.SUPPLIER_MAX_WAIT,
        reviewReminderMs: env.REVIEW_REMINDER_AFTER,
      },
      codes: { keys: codeKeys, activeKeyId, fingerprintKey },
      temporalCodec: {
        keys: codecKeys,
        activeKeyId: codecActiveKeyId,
        corsOrigins: env.CODEC_CORS_ORIGINS.length
          ? env.CODEC_CORS_ORIGINS
          : [`http://127.0.0.1:${env.TEMPORAL_UI_PORT}`, `http://localhost:${env.TEMPORAL_UI_PORT}`],
      },
      mail: { smtpUrl: env.SMTP_URL, from: env.MAIL_FROM },
      alerts: {
        emailTo: env.ALERT_EMAIL_TO,
        webhookUrl: env.ALERT_WEBHOOK_URL,
        scanIntervalMs: env.ALERT_SCAN_INTERVAL,
        reviewWaitMs: env.ALERT_REVIEW_WAIT,
        rateLimit: { max: env.ALERT_RATE_LIMIT, windowMs: env.ALERT_RATE_WINDOW },
        /** Links in alerts point into the console served by the API: API_PUBLIC_URL + /admin. */
        consoleUrl: `${(env.API_PUBLIC_URL ?? `http://127.0.0.1:${env.API_PORT}`).replace(/\/+$/, '')}/admin`,
      },
      storefronts: {
        credentials: env.STOREFRONT_CREDENTIALS,
        httpTimeoutMs: env.STOREFRONT_HTTP_TIMEOUT,
        sweepIntervalMs: env.STOREFRONT_SWEEP_INTERVAL,
      },
      sandbox: { port: env.SANDBOX_SUPPLIER_PORT },
      /** The second supplier, when configured. */
      kinguin: env.KINGUIN_BASE_URL
        ? {
            baseUrl: env.KINGUIN_BASE_URL,
            apiKey: need(env.KINGUIN_API_KEY, 'sandbox-kinguin-key', 'KINGUIN_API_KEY'),
            webhookSecrets: need(
              env.KINGUIN_WEBHOOK_SECRETS,
              ['sandbox-kinguin-secret-0001'],
              'KINGUIN_WEBHOOK_SECRETS',
            ),
          }
        : undefined,
      pool: { lowStock: env.POOL_LOW_STOCK },
      metrics: {
        workerPort: env.WORKER_METRICS_PORT,
        sdkPort: env.TEMPORAL_SDK_METRICS_PORT,
        token: env.METRICS_TOKEN || undefined,
      },
    };
  });

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Every entry point calls this first: reads the KEY=VALUE lines of ENV_FILE (default `.env` in
 * the working directory) into process.env. A variable already set in the environment wins.
 * `ENV_FILE=` (empty) reads no file; a missing default `.env` is fine, a missing named file is not.
 * Returns the file read, if any.
 */
export function loadEnvFile(): string | undefined {
  const named = process.env.ENV_FILE;
  const file = named ?? '.env';
  if (!file) return undefined;
  if (!existsSync(file)) {
    if (named) throw new ConfigError(`ENV_FILE=${named}: no such file`);
    return undefined;
  }
  process.loadEnvFile(file);
  return file;
}

/**
 * The Pay'nUp credentials a store's IPN endpoint accepts: the store's own `paynup` entry, else the
 * global PAYNUP_API_ID / PAYNUP_API_KEYS (only ever set on a one-store install); undefined when
 * the store takes no Pay'nUp payments.
 */
export function paynupFor(
  config: Pick<Config, 'storeSecrets' | 'paynup'>,
  storeId: string,
): { apiId: string; apiKeys: readonly string[] } | undefined {
  const own = Object.hasOwn(config.storeSecrets, storeId) ? config.storeSecrets[storeId]?.paynup : undefined;
  if (own) return own;
  return config.paynup.apiId && config.paynup.apiKeys.length ? config.paynup : undefined;
}

/** Parse an environment (process.env by default). Throws ConfigError listing every problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const result = schema.safeParse(source);
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => `- ${i.path.join('.') || '(config)'} ${i.message}.`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}

/** The database URL a process should use; the embedded default when DATABASE_URL is unset. */
export function databaseUrl(config: Config): string {
  return (
    config.database.url ?? `postgresql://postgres:postgres@127.0.0.1:${config.database.embeddedPort}/postgres`
  );
}
