// Config: one zod parse, fail fast with one sentence per bad variable, demo defaults only
// outside production.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

const key = (fill: string) => Buffer.alloc(32, fill).toString('base64');

/** Every secret production needs, so single variables can be taken away. */
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://cb:cb@db:5432/cb',
  SUPPLIER_API_KEY: 'live-supplier-key-123',
  SUPPLIER_WEBHOOK_SECRETS: 'live-supplier-webhook-secret-1',
  STORE_WEBHOOK_SECRETS: JSON.stringify({ shop: { woocommerce: ['live-woo-secret-000001'] } }),
  CODE_ENCRYPTION_KEYS: `k1:${key('a')}`,
  CODE_FINGERPRINT_KEY: key('f'),
  TEMPORAL_CODEC_KEYS: `c1:${key('c')}`,
  ADMIN_TOKEN: 'live-admin-token-0001',
};

function problems(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

/** Config parsing of a production environment, with what `deploy` (deployment issue) may add. */
function production(overrides: Record<string, string | undefined> = {}) {
  return { ...PRODUCTION, ...overrides };
}

describe('config', () => {
  it('starts with no environment at all outside production (demo defaults)', () => {
    const c = loadConfig({});
    expect(c.codes.keys.size).toBe(1);
    expect(c.temporalCodec.keys.size).toBe(1);
    expect(c.mail.smtpUrl).toBeUndefined();
    expect(c.temporalCodec.corsOrigins).toEqual(['http://127.0.0.1:8233', 'http://localhost:8233']);
  });

  it('accepts a complete production environment', () => {
    let c;
    try {
      c = loadConfig(production());
    } catch (err) {
      // Other issues may add production-only requirements; then only those may be missing.
      const missing = (err as Error).message.split('\n').slice(1);
      for (const line of missing) expect(line).toMatch(/is required in production/);
      for (const name of Object.keys(PRODUCTION)) expect((err as Error).message).not.toContain(`- ${name} `);
      return;
    }
    expect(c.env).toBe('production');
    expect(c.codes.fingerprintKey?.length).toBe(32);
  });

  it('names every missing production secret in its own sentence', () => {
    const message = problems({ NODE_ENV: 'production' });
    for (const name of [
      'SUPPLIER_API_KEY',
      'SUPPLIER_WEBHOOK_SECRETS',
      'STORE_WEBHOOK_SECRETS',
      'CODE_ENCRYPTION_KEYS',
      'CODE_FINGERPRINT_KEY',
      'TEMPORAL_CODEC_KEYS',
      'ADMIN_TOKEN',
    ]) {
      expect(message).toContain(`- ${name} is required in production.`);
    }
    // Nothing secret is echoed back.
    expect(message).not.toMatch(/demo|dev-admin|sandbox-api-key/);
  });

  it('refuses a bad duration with the variable name', () => {
    const message = problems({ PAYMENT_WAIT: '10 minutes', SUPPLIER_MAX_WAIT: '2x' });
    expect(message).toContain('- PAYMENT_WAIT must be a duration like 500ms, 30s, 10m, 2h or 3d.');
    expect(message).toContain('- SUPPLIER_MAX_WAIT must be a duration');
  });

  it('refuses a bad key ring without echoing key material', () => {
    const short = Buffer.alloc(16, 'x').toString('base64');
    const message = problems({ CODE_ENCRYPTION_KEYS: `k1:${short}`, TEMPORAL_CODEC_KEYS: 'nocolon' });
    expect(message).toContain('- CODE_ENCRYPTION_KEYS each entry must be <keyId>:<base64 of 32 bytes>.');
    expect(message).toContain('- TEMPORAL_CODEC_KEYS each entry must be');
    expect(message).not.toContain(short);
  });

  it('refuses an active key id the ring does not contain', () => {
    const message = problems({
      CODE_ENCRYPTION_KEYS: `k1:${key('a')}`,
      CODE_ACTIVE_KEY_ID: 'k2',
      TEMPORAL_CODEC_KEYS: `c1:${key('c')}`,
      TEMPORAL_CODEC_ACTIVE_KEY_ID: 'c9',
    });
    expect(message).toContain(
      '- CODE_ACTIVE_KEY_ID names key "k2", which CODE_ENCRYPTION_KEYS does not contain.',
    );
    expect(message).toContain('- TEMPORAL_CODEC_ACTIVE_KEY_ID names key "c9"');
  });

  it('takes the last key of a ring as active unless told otherwise', () => {
    const c = loadConfig({ CODE_ENCRYPTION_KEYS: `old:${key('a')},new:${key('b')}` });
    expect(c.codes.activeKeyId).toBe('new');
    expect([...c.codes.keys.keys()]).toEqual(['old', 'new']);
  });

  it('refuses bad JSON and bad shapes in JSON variables', () => {
    expect(problems({ STORE_WEBHOOK_SECRETS: '{"demo":' })).toContain(
      '- STORE_WEBHOOK_SECRETS must be valid JSON.',
    );
    expect(problems({ STOREFRONT_CREDENTIALS: 'not json' })).toContain(
      '- STOREFRONT_CREDENTIALS must be valid JSON.',
    );
    const shape = problems({
      STOREFRONT_CREDENTIALS: JSON.stringify({ shop: { kind: 'woocommerce', consumerKey: 'ck_12345678' } }),
    });
    expect(shape).toMatch(/- STOREFRONT_CREDENTIALS\.shop\.consumerSecret /);
  });

  it('parses storefront credentials, SMTP and the fingerprint key', () => {
    const c = loadConfig({
      STOREFRONT_CREDENTIALS: JSON.stringify({
        'shop-woo': { kind: 'woocommerce', consumerKey: 'ck_12345678', consumerSecret: 'cs_12345678' },
        'shop-hook': { kind: 'callback', secret: 'callback-secret-0001' },
      }),
      SMTP_URL: 'smtp://127.0.0.1:2525',
      MAIL_FROM: 'Shop <no-reply@shop.example>',
      CODE_FINGERPRINT_KEY: key('f'),
      CODEC_CORS_ORIGINS: 'https://temporal.example.com',
    });
    expect(c.storefronts.credentials['shop-woo']?.kind).toBe('woocommerce');
    expect(c.storefronts.credentials['shop-hook']?.kind).toBe('callback');
    expect(c.mail).toEqual({ smtpUrl: 'smtp://127.0.0.1:2525', from: 'Shop <no-reply@shop.example>' });
    expect(c.codes.fingerprintKey?.equals(Buffer.alloc(32, 'f'))).toBe(true);
    expect(c.temporalCodec.corsOrigins).toEqual(['https://temporal.example.com']);
  });

  it('refuses a non-SMTP mail URL and a short fingerprint key', () => {
    const message = problems({ SMTP_URL: 'http://mail.example.com', CODE_FINGERPRINT_KEY: 'c2hvcnQ=' });
    expect(message).toContain('- SMTP_URL must be an smtp:// or smtps:// URL.');
    expect(message).toContain('- CODE_FINGERPRINT_KEY must be the base64 of 32 bytes.');
  });

  it('.env.example is a working demo setup: it parses, and gives every secret the demo needs', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseEnv } = await import('node:util');
    const config = loadConfig(parseEnv(readFileSync(`${__dirname}/../.env.example`, 'utf8')));
    expect(config.api.adminToken).toBe('dev-admin-token');
    expect(config.supplier.apiKey).toBe('sandbox-api-key');
    expect(config.paynup.apiId).toBeTruthy();
    expect(config.paynup.apiKeys.length).toBe(1);
    expect(config.storeSecrets.demo?.woocommerce).toEqual(['demo-woocommerce-secret-0001']);
  });

  it('lists every variable it reads in .env.example', async () => {
    const { readFileSync } = await import('node:fs');
    const root = `${__dirname}/..`;
    const example = readFileSync(`${root}/.env.example`, 'utf8');
    const source = readFileSync(`${root}/src/config.ts`, 'utf8');
    const names = [...source.matchAll(/^ {4}([A-Z][A-Z0-9_]+): /gm)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(20);
    const missing = names.filter((n) => !new RegExp(`^#? ?${n}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });
});
