// Signature checks over the raw body: HMAC with every active secret (rotation), compared in
// constant time, plus a timestamp window wherever the sender provides one.
import { createHmac } from 'node:crypto';
import { safeEqual } from '../observability/safe-equal';
import { HttpError } from './errors';

export function hmac(secret: string | Buffer, data: Buffer | string, encoding: 'hex' | 'base64'): string {
  return createHmac('sha256', secret).update(data).digest(encoding);
}

export { safeEqual };

/** True when `given` equals the HMAC of `data` under any of `secrets`. */
export function anySecretMatches(
  secrets: readonly (string | Buffer)[],
  data: Buffer | string,
  given: string | undefined,
  encoding: 'hex' | 'base64',
): boolean {
  if (!given) return false;
  const candidate = encoding === 'hex' ? given.trim().toLowerCase() : given.trim();
  return secrets.some((s) => safeEqual(hmac(s, data, encoding), candidate));
}

export function requireSignature(ok: boolean): void {
  if (!ok) throw new HttpError(401, 'bad_signature', 'The signature does not match the body.');
}

/** Rejects timestamps outside ±toleranceMs of now. `atMs` is epoch milliseconds. */
export function requireFresh(atMs: number, toleranceMs: number, now = Date.now()): void {
  if (!Number.isFinite(atMs))
    throw new HttpError(400, 'bad_timestamp', 'The timestamp header is missing or not a number.');
  if (Math.abs(now - atMs) > toleranceMs) {
    throw new HttpError(
      401,
      'stale_timestamp',
      'The timestamp is outside the accepted window; the delivery may be a replay.',
    );
  }
}
