import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const key = randomBytes(32);

/**
 * Constant-time string comparison for secrets and tokens. Both sides are hashed first, so the
 * comparison time does not reveal the length of the secret either.
 */
export function safeEqual(a: string, b: string): boolean {
  const h = (s: string) => createHmac('sha256', key).update(s).digest();
  return timingSafeEqual(h(a), h(b));
}
