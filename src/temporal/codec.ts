// Temporal payload encryption: every payload the client or worker sends to the Temporal server
// (workflow inputs, signals, activity inputs and results, queries, updates) is sealed with
// AES-256-GCM, so codes never sit in workflow history in plaintext. The key id travels in the
// payload metadata; several keys can be configured (TEMPORAL_CODEC_KEYS) so a key rotates
// without downtime: new payloads use the active key, old histories stay readable while their
// key is still in the ring.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ValueError, type Payload, type PayloadCodec } from '@temporalio/common';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const utf8 = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('utf8') : undefined);

/** A Payload as JSON (the remote-codec wire format: proto3 JSON, bytes as base64). */
export interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

export function payloadToJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: p.data ? Buffer.from(p.data).toString('base64') : '' };
}

export function payloadFromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {}))
    metadata[k] = new Uint8Array(Buffer.from(v, 'base64'));
  return { metadata, data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')) };
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly active: Buffer;

  constructor(
    private readonly keys: ReadonlyMap<string, Buffer>,
    private readonly activeKeyId: string,
  ) {
    const active = keys.get(activeKeyId);
    if (!active || active.length !== 32)
      throw new ValueError(`codec key "${activeKeyId}" is not in the key ring`);
    this.active = active;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', this.active, iv);
      cipher.setAAD(Buffer.from(this.activeKeyId));
      const plain = Buffer.from(JSON.stringify(payloadToJson(p)), 'utf8');
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: utf8(this.activeKeyId) },
        data: new Uint8Array(sealed),
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => {
      if (text(p.metadata?.encoding) !== ENCRYPTED_ENCODING) return p; // written before encryption
      const keyId = text(p.metadata?.[KEY_ID_METADATA]) ?? '';
      const key = this.keys.get(keyId);
      if (!key) throw new ValueError(`payload encrypted with codec key "${keyId}", which is not configured`);
      const sealed = Buffer.from(p.data ?? new Uint8Array());
      if (sealed.length < 28) throw new ValueError('encrypted payload is too short');
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - 16));
      const plain = Buffer.concat([
        decipher.update(sealed.subarray(12, sealed.length - 16)),
        decipher.final(),
      ]);
      return payloadFromJson(JSON.parse(plain.toString('utf8')) as JsonPayload);
    });
  }
}

export function createPayloadCodec(config: {
  temporalCodec: { keys: ReadonlyMap<string, Buffer>; activeKeyId: string };
}): PayloadCodec {
  return new AesGcmPayloadCodec(config.temporalCodec.keys, config.temporalCodec.activeKeyId);
}
