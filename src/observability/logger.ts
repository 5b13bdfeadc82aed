// pino for API and worker. Redaction is the second line of defence: codes, PINs, keys,
// secrets and emails are never meant to reach a log call in the first place. Two layers:
// - known field names are censored wherever they sit (REDACT_PATHS, pino's fast-redact);
// - every string that ends up in a line (messages, field values, error messages and stacks)
//   is scrubbed of what looks like an email address or a card code (scrubText).
import pino, { type Logger } from 'pino';

const SECRET_FIELDS = [
  'code',
  'codes',
  'pin',
  'pins',
  'plain',
  'plaintext',
  'ciphertext',
  'key',
  'keys',
  'apiKey',
  'api_key',
  'secret',
  'secrets',
  'password',
  'pass',
  'token',
  'accessToken',
  'adminToken',
  'authorization',
  'consumerKey',
  'consumer_key',
  'consumerSecret',
  'consumer_secret',
  'smtpUrl',
  'email',
  'customerEmail',
  'recipient',
  'to',
];

export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers["x-signature"]',
  'req.headers["x-wc-webhook-signature"]',
  'req.headers["x-pocketsflow-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["x-cardbridge-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
];

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** Card-code shapes: groups of 4+ upper-case letters/digits joined by dashes (XXXX-XXXX-XXXX…). */
const CODE = /\b[A-Z0-9]{4,6}(?:-[A-Z0-9]{4,6}){2,}\b/g;

/** Removes email addresses and code-shaped tokens from free text. */
export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(CODE, '[code]');
}

function scrubDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubDeep(v, depth + 1));
  if (value instanceof Error) {
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) own[k] = scrubDeep(v, depth + 1);
    return {
      ...own,
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack && scrubText(value.stack),
    };
  }
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = scrubDeep(v, depth + 1);
  return out;
}

export function createLogger(opts: {
  level: string;
  name: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { log: (obj) => scrubDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    opts.destination,
  );
}
