// The Temporal payload codec and the remote-codec endpoint (unit level; the history check is in
// test/data-secrecy.test.ts).
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { codecRouter } from '../src/api/codec';
import { errorMiddleware } from '../src/api/errors';
import { AesGcmPayloadCodec, payloadToJson } from '../src/temporal/codec';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const SECRET = { code: 'ABCD-EFGH-IJKL-MNOP', pin: '1234' };
const str = (b?: Uint8Array | null) => Buffer.from(b ?? new Uint8Array()).toString('utf8');

describe('AES-GCM payload codec', () => {
  it('encrypts with the key id in metadata and decodes back', async () => {
    const codec = new AesGcmPayloadCodec(new Map([['k1', k1]]), 'k1');
    const payload = defaultPayloadConverter.toPayload(SECRET);
    const [enc] = await codec.encode([payload]);
    expect(str(enc!.metadata!.encoding)).toBe('binary/encrypted');
    expect(str(enc!.metadata!['encryption-key-id'])).toBe('k1');
    expect(Buffer.from(enc!.data!).includes('ABCD-EFGH')).toBe(false);
    const [dec] = await codec.decode([enc!]);
    expect(defaultPayloadConverter.fromPayload(dec!)).toEqual(SECRET);
  });

  it('rotates: histories under the old key stay readable while it is in the ring', async () => {
    const old = new AesGcmPayloadCodec(new Map([['k1', k1]]), 'k1');
    const rotated = new AesGcmPayloadCodec(
      new Map([
        ['k1', k1],
        ['k2', k2],
      ]),
      'k2',
    );
    const [fromOld] = await old.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const [fromNew] = await rotated.encode([defaultPayloadConverter.toPayload(SECRET)]);
    expect(str(fromNew!.metadata!['encryption-key-id'])).toBe('k2');
    const decoded = await rotated.decode([fromOld!, fromNew!]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([SECRET, SECRET]);
    await expect(old.decode([fromNew!])).rejects.toThrow(/codec key "k2", which is not configured/);
  });

  it('refuses tampered payloads and passes through unencrypted ones', async () => {
    const codec = new AesGcmPayloadCodec(new Map([['k1', k1]]), 'k1');
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const data = Buffer.from(enc!.data!);
    data[20] = data[20]! ^ 1;
    await expect(codec.decode([{ ...enc!, data }])).rejects.toThrow();
    const plain = defaultPayloadConverter.toPayload('hello');
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('codec endpoint', () => {
  const codec = new AesGcmPayloadCodec(new Map([['k1', k1]]), 'k1');
  const TOKEN = 'test-admin-token-0001';
  const UI = 'http://127.0.0.1:8233';
  let url: string;
  let close: () => void;
  beforeAll(async () => {
    const app = express();
    app.use('/codec', codecRouter({ codec, adminToken: TOKEN, corsOrigins: [UI] }));
    app.use(errorMiddleware(pino({ level: 'silent' })));
    const server = await new Promise<import('node:http').Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  it('decodes and encodes in the remote-codec format with the bearer token', async () => {
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const res = await post(
      '/decode',
      { payloads: [payloadToJson(enc!)] },
      { Authorization: `Bearer ${TOKEN}` },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(JSON.parse(Buffer.from(body.payloads[0]!.data, 'base64').toString('utf8'))).toEqual(SECRET);
    expect(Buffer.from(body.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');

    // Namespace-templated path (CLI) and encode.
    const e = await post('/default/encode', body, { Authorization: `Bearer ${TOKEN}` });
    expect(e.status).toBe(200);
    const encoded = (await e.json()) as { payloads: { metadata: Record<string, string> }[] };
    expect(Buffer.from(encoded.payloads[0]!.metadata.encoding!, 'base64').toString()).toBe(
      'binary/encrypted',
    );
  });

  it('refuses callers without the token, and bad bodies', async () => {
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const body = { payloads: [payloadToJson(enc!)] };
    expect((await post('/decode', body)).status).toBe(401);
    expect((await post('/decode', body, { Authorization: 'Bearer wrong-token' })).status).toBe(401);
    const bad = await post('/decode', { payloads: 'not-a-list' }, { Authorization: `Bearer ${TOKEN}` });
    expect(bad.status).toBe(400);
  });

  it('answers CORS preflights for the Web UI origin only', async () => {
    const pre = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI, 'Access-Control-Request-Method': 'POST' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(UI);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);
    const other = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://evil.example' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('gives a browser a session cookie for the Web UI after the token is pasted', async () => {
    expect((await fetch(`${url}/login`)).status).toBe(200);
    const wrong = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'token=nope',
    });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `token=${TOKEN}`,
    });
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).not.toContain(TOKEN);
    const [enc] = await codec.encode([defaultPayloadConverter.toPayload(SECRET)]);
    const res = await post(
      '/decode',
      { payloads: [payloadToJson(enc!)] },
      { Cookie: cookie.split(';')[0]!, Origin: UI },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI);
    const forged = await post('/decode', { payloads: [] }, { Cookie: 'cardbridge_codec=99999999999999.abc' });
    expect(forged.status).toBe(401);
  });
});

describe('codec endpoint hardening', () => {
  const codec = new AesGcmPayloadCodec(new Map([['k1', k1]]), 'k1');
  const TOKEN = 'test-admin-token-0002';
  let url: string;
  let close: () => void;
  beforeAll(async () => {
    const app = express();
    app.set('trust proxy', 'loopback'); // as the API does: https is known from the proxy
    app.use(
      '/codec',
      codecRouter({
        codec,
        adminToken: TOKEN,
        corsOrigins: [],
        authLimits: { login: 3, bearer: 3, windowMs: 60_000 },
      }),
    );
    app.use(errorMiddleware(pino({ level: 'silent' })));
    const server = await new Promise<import('node:http').Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/codec`;
    close = () => server.close();
  });
  afterAll(() => close?.());

  const login = (token: string, headers: Record<string, string> = {}) =>
    fetch(`${url}/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ token }).toString(),
    });
  const decode = (auth: string) =>
    fetch(`${url}/decode`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: auth },
      body: '{"payloads":[]}',
    });

  it('the session cookie is Secure when the request came over https, not otherwise', async () => {
    const https = await login(TOKEN, { 'X-Forwarded-Proto': 'https' });
    expect(https.status).toBe(200);
    expect(https.headers.get('set-cookie')).toMatch(/; Secure$/);
    const http = await login(TOKEN);
    expect(http.headers.get('set-cookie')).not.toMatch(/Secure/);
  });

  it('rate limits failed sign-ins and failed bearer checks; successes do not count', async () => {
    const logins = [];
    for (let i = 0; i < 4; i++) logins.push((await login('wrong-token')).status);
    expect(logins).toEqual([401, 401, 401, 429]);
    expect((await login(TOKEN)).status).toBe(429); // locked out for the window, right token or not

    for (let i = 0; i < 5; i++) expect((await decode(`Bearer ${TOKEN}`)).status).toBe(200);
    const bearers = [];
    for (let i = 0; i < 4; i++) bearers.push((await decode('Bearer guess')).status);
    expect(bearers).toEqual([401, 401, 401, 429]);
  });
});
