// Codes at rest: AES-256-GCM under a key ring. Every ciphertext names its key id, so keys
// rotate without downtime (new codes use the active key; old ones stay readable until
// re-encrypted). Only the masked form is ever stored or shown in clear.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export interface CodeVault {
  readonly activeKeyId: string;
  encrypt(plain: string): { keyId: string; ciphertext: string };
  decrypt(ciphertext: string): string;
  /** The key id a ciphertext was made with (no decryption). */
  keyIdOf(ciphertext: string): string | undefined;
  /** Keyed hash: equal codes have equal fingerprints, nothing else can be learnt from it. */
  fingerprint(plain: string): string;
}

const VERSION = 'v1';

/**
 * `fingerprintRoot` keeps fingerprints stable across rotations (CODE_FINGERPRINT_KEY). Without
 * it the root is the first key of the ring, which then must stay first in the ring for as long
 * as its fingerprints matter (README: key rotation).
 */
export function createCodeVault(
  keys: ReadonlyMap<string, Buffer>,
  activeKeyId: string,
  fingerprintRoot?: Buffer,
): CodeVault {
  const active = keys.get(activeKeyId);
  if (!active) throw new Error(`code key "${activeKeyId}" is not in the key ring`);
  const fingerprintKey = createHmac('sha256', fingerprintRoot ?? [...keys.values()][0]!)
    .update('cardbridge/fingerprint')
    .digest();
  return {
    activeKeyId,
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active, iv);
      cipher.setAAD(Buffer.from(`${VERSION}.${activeKeyId}`));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      const b64 = (b: Buffer) => b.toString('base64url');
      return { keyId: activeKeyId, ciphertext: [VERSION, activeKeyId, b64(iv), b64(ct), b64(tag)].join('.') };
    },
    decrypt(ciphertext) {
      const [version, keyId, iv, ct, tag] = ciphertext.split('.');
      const key = keyId ? keys.get(keyId) : undefined;
      if (version !== VERSION || !key || !iv || ct === undefined || !tag) {
        throw new Error(`cannot decrypt: unknown format or key id "${keyId ?? ''}"`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(`${version}.${keyId}`));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    keyIdOf(ciphertext) {
      const [version, keyId] = ciphertext.split('.');
      return version === VERSION ? keyId : undefined;
    },
    fingerprint(plain) {
      return createHmac('sha256', fingerprintKey).update(plain.trim()).digest('hex');
    },
  };
}

/** "ABCD-EFGH-IJKL-MNOP" -> "****-****-****-MNOP": the last 4 characters, nothing else. */
export function maskCode(code: string): string {
  const tail = code.replace(/[^A-Za-z0-9]/g, '').slice(-4);
  return `****-${tail}`;
}
