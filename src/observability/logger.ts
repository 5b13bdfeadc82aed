// pino for API and worker. Redaction is the second line of defence: codes, PINs, keys,
// secrets and emails are never meant to reach a log call in the first place.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers["x-signature"]',
  'req.headers["x-wc-webhook-signature"]',
  'req.headers["x-pocketsflow-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.code',
  '*.codes',
  '*.pin',
  '*.apiKey',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.email',
  '*.customerEmail',
  'customerEmail',
  'email',
];

export function createLogger(opts: {
  level: string;
  name: string;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    { name: opts.name, level: opts.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } },
    opts.destination,
  );
}
