// The only module that reads process.env. It parses once, fails fast with one sentence per
// bad variable, and the parsed object is passed down explicitly.
import { z } from 'zod';

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

/** Per-store webhook secrets; several per provider so a secret can rotate without downtime. */
const storeSecretsSchema = z.record(
  z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'store ids are lowercase letters, digits, _ and -'),
  z
    .object({
      woocommerce: z.array(z.string().min(16)).default([]),
      standard: z.array(z.string().min(16)).default([]),
      pocketsflow: z.array(z.string().min(16)).default([]),
    })
    .strict(),
);

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

    API_PORT: port(3000),
    API_PUBLIC_URL: z.url().optional(),
    API_BODY_LIMIT: z.string().default('256kb'),
    WEBHOOK_TOLERANCE: duration('5m'),

    SUPPLIER_BASE_URL: z.url().default('http://127.0.0.1:4010'),
    SUPPLIER_LOW_BALANCE: z
      .string()
      .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount like 100 or 99.50')
      .default('100'),
    SUPPLIER_API_KEY: z.string().min(8).optional(),
    SUPPLIER_WEBHOOK_SECRETS: list('').pipe(z.array(z.string().min(16))),
    SUPPLIER_HTTP_TIMEOUT: duration('20s'),

    STORE_WEBHOOK_SECRETS: json(storeSecretsSchema, '{}'),

    PAYNUP_API_ID: z.string().default(''),
    PAYNUP_API_KEYS: list(''),

    PAYMENT_WAIT: duration('24h'),
    SUPPLIER_WEBHOOK_WAIT: duration('10m'),
    SUPPLIER_MAX_WAIT: duration('2h'),
    REVIEW_REMINDER_AFTER: duration('24h'),

    CODE_ENCRYPTION_KEYS: keyRing(''),
    CODE_ACTIVE_KEY_ID: z.string().optional(),

    ADMIN_TOKEN: z.string().min(12).optional(),

    SANDBOX_SUPPLIER_PORT: port(4010),
  })
  .transform((env, ctx) => {
    const production = env.NODE_ENV === 'production';
    const need = <T>(value: T | undefined | '' | [], fallback: T, name: string): T => {
      const empty = value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
      if (!empty) return value as T;
      if (production) ctx.addIssue({ code: 'custom', path: [name], message: 'is required in production' });
      return fallback;
    };
    const devStoreSecrets = storeSecretsSchema.parse(JSON.parse(DEV.storeSecrets));
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
      },
      api: {
        port: env.API_PORT,
        publicUrl: env.API_PUBLIC_URL ?? `http://127.0.0.1:${env.API_PORT}`,
        bodyLimit: env.API_BODY_LIMIT,
        webhookToleranceMs: env.WEBHOOK_TOLERANCE,
        adminToken: need(env.ADMIN_TOKEN, DEV.adminToken, 'ADMIN_TOKEN'),
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
      paynup: { apiId: env.PAYNUP_API_ID, apiKeys: env.PAYNUP_API_KEYS },
      timeouts: {
        paymentWaitMs: env.PAYMENT_WAIT,
        supplierCallTimeoutMs: env.SUPPLIER_HTTP_TIMEOUT + 5_000,
        supplierWebhookWaitMs: env.SUPPLIER_WEBHOOK_WAIT,
        supplierMaxWaitMs: env.SUPPLIER_MAX_WAIT,
        reviewReminderMs: env.REVIEW_REMINDER_AFTER,
      },
      codes: { keys: codeKeys, activeKeyId },
      sandbox: { port: env.SANDBOX_SUPPLIER_PORT },
    };
  });

export type Config = z.output<typeof schema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
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
