// What every webhook endpoint does the same way: rate limit per source (genuine and junk apart), read the raw body (with
// the size limit), check the content type, parse JSON only after the signature was verified, and
// turn a failed Temporal call into a 503 so the sender delivers again.
import { raw, type Request, type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import { HttpError } from '../errors';
import { recordPaymentAfterClose, type LatePayment } from '../late-payments';
import type { HookDeps } from './deps';

export type Provider = 'woocommerce' | 'standard' | 'pocketsflow' | 'paynup' | 'supplier' | 'kinguin';

/** Requests per window per (provider, store, client IP); 429 in the common error shape. */
export function webhookRateLimit(
  provider: Provider | `junk:${Provider}`,
  opts: { max: number; windowMs: number },
): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.max,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => {
      const storeId = (req.params as Record<string, string | undefined>).storeId ?? '-';
      return `${provider}:${storeId}:${ipKeyGenerator(req.ip ?? 'unknown')}`;
    },
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'rate_limited', 'Too many requests from this source; slow down and retry.')),
  });
}

function run(limiter: RequestHandler, req: Request, res: Response): Promise<void> {
  return new Promise((resolve, reject) => {
    void limiter(req, res, (err?: unknown) => (err ? reject(err as Error) : resolve()));
  });
}

/**
 * Two budgets per (provider, store, client IP): one for deliveries whose signature verified and
 * one for everything else. Junk (unsigned, forged, wrong store) only uses up its own budget, so
 * a flood of forgeries never makes us answer a genuine delivery 429 (WooCommerce counts a 429
 * towards disabling its webhook).
 */
export interface HookLimits {
  /**
   * Runs the checks that establish the sender (signature, token): their value when they pass
   * (then the genuine budget is charged), else the junk budget is charged and their error (or
   * 429 once junk is over budget) is thrown.
   */
  authenticate<T>(req: Request, res: Response, check: () => T | Promise<T>): Promise<T>;
  /** Charges the junk budget for an unverified request answered without a signature check. */
  unverified(req: Request, res: Response): Promise<void>;
}

export function hookLimits(provider: Provider, opts: { max: number; windowMs: number }): HookLimits {
  const genuine = webhookRateLimit(provider, opts);
  const junk = webhookRateLimit(`junk:${provider}`, opts);
  return {
    async authenticate(req, res, check) {
      let value;
      try {
        value = await check();
      } catch (err) {
        await run(junk, req, res);
        throw err;
      }
      await run(genuine, req, res);
      return value;
    },
    unverified: (req, res) => run(junk, req, res),
  };
}

/** The raw body as bytes, whatever its type, up to `limit` (413 beyond it). */
export function rawBody(limit: string): RequestHandler {
  return raw({ type: () => true, limit });
}

export function bodyBytes(req: Request): Buffer {
  return req.body instanceof Buffer ? req.body : Buffer.alloc(0);
}

/** 415 unless the request's media type is one of `types`. */
export function requireContentType(req: Request, types: readonly string[]): void {
  const type = (req.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (!types.includes(type)) {
    throw new HttpError(415, 'unsupported_media_type', `Send the body as ${types.join(' or ')}.`);
  }
}

/** JSON.parse of an already verified body; 400 when it is not JSON. */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'malformed_json', 'The body is not valid JSON.');
  }
}

/**
 * Runs the one Temporal call of a request. A failure there means the event was not recorded:
 * answer 503 (no receipt is written) so the sender's retry delivers it again.
 */
export async function toTemporal<T>(req: Request, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof HttpError) throw err;
    (req as Request & { log?: { error(o: object, m: string): void } }).log?.error(
      { err },
      'temporal call failed; the sender will retry',
    );
    throw new HttpError(
      503,
      'temporarily_unavailable',
      'The event could not be recorded now; send it again.',
    );
  }
}

/**
 * After a payment signal found the order's workflow closed: unless it closed delivered, the
 * payment is recorded as a review case (never silent). Answers the closed state, if any.
 */
export async function recordIfLate(
  req: Request,
  deps: Pick<HookDeps, 'gateway' | 'latePayments'>,
  p: Omit<LatePayment, 'reasonCode' | 'state'>,
): Promise<string | undefined> {
  return toTemporal(req, () => recordPaymentAfterClose(deps.gateway, deps.latePayments, p));
}

/** An id from a sender: 1..max characters, none a control character (PostgreSQL text refuses NUL). */
export function senderId(max: number) {
  return z
    .string()
    .min(1)
    .max(max)
    .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 32 || c.charCodeAt(0) === 127), {
      message: 'must not contain control characters',
    });
}
