// Remote codec endpoint for authorised ops: the Temporal Web UI and `temporal` CLI send the
// encrypted payloads of a history here and get them back decoded (or encoded, for input they
// type). Wire format: POST {"payloads":[{"metadata":{k: base64},"data": base64}]}, answered in
// the same shape. Served at /codec/{encode,decode} and /codec/<namespace>/{encode,decode}.
//
// Who may call it:
// - `Authorization: Bearer <ADMIN_TOKEN>` (CLI: --codec-auth 'Bearer <token>'), or
// - a browser session cookie obtained at GET /codec/login by pasting the token (the Web UI
//   cannot add headers; enable "Include cross-origin credentials" in its codec settings).
// CORS answers only the configured Web UI origins (CODEC_CORS_ORIGINS).
import { createHmac } from 'node:crypto';
import { safeEqual } from '../observability/safe-equal';
import { readCookie } from './admin/session';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { payloadFromJson, payloadToJson } from '../temporal/codec';
import { HttpError } from './errors';

export interface CodecEndpointDeps {
  codec: PayloadCodec;
  adminToken: string;
  corsOrigins: string[];
  /** Browser session length (default 8 h). */
  sessionMs?: number;
  /** Failed sign-ins / failed bearer checks allowed per client IP and window (default 10 and 30 per 15 min). */
  authLimits?: { login: number; bearer: number; windowMs: number };
  logger?: { warn(o: object, m: string): void; info(o: object, m: string): void };
  now?: () => number;
}

const COOKIE = 'cardbridge_codec';

const body = z.object({
  // The CLI sends {} when a call carries no payloads (e.g. a query without arguments).
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), z.string()).nullish(),
        data: z.string().nullish(),
      }),
    )
    .default([]),
});

const LOGIN_PAGE = `<!doctype html><meta charset="utf-8"><title>cardbridge codec login</title>
<body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>Decode payloads in the Temporal Web UI</h1>
<p>Paste the admin token. The browser keeps a session cookie for this endpoint; enable
<em>Include cross-origin credentials</em> in the Web UI's codec server settings.</p>
<form method="post"><input type="password" name="token" autocomplete="off" style="width:100%">
<button type="submit">Start session</button></form></body>`;

/** Counts failed attempts only (answers >= 400) per client IP; 429 in the common error shape. */
function failureLimit(name: string, limit: number, windowMs: number) {
  return rateLimit({
    windowMs,
    limit,
    skipSuccessfulRequests: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (req) => `codec-${name}:${ipKeyGenerator(req.ip ?? 'unknown')}`,
    handler: (_req, _res, next) =>
      next(new HttpError(429, 'rate_limited', 'Too many failed attempts from this address; wait and retry.')),
  });
}

export function codecRouter(deps: CodecEndpointDeps): Router {
  const router = express.Router();
  const limits = deps.authLimits ?? { login: 10, bearer: 30, windowMs: 15 * 60_000 };
  const loginLimit = failureLimit('login', limits.login, limits.windowMs);
  const bearerLimit = failureLimit('bearer', limits.bearer, limits.windowMs);
  const now = deps.now ?? Date.now;
  const sessionMs = deps.sessionMs ?? 8 * 3_600_000;
  const sign = (exp: number) =>
    createHmac('sha256', deps.adminToken).update(`codec-session.${exp}`).digest('hex');

  function sessionValid(cookie: string | undefined): boolean {
    if (!cookie) return false;
    const [exp, sig] = cookie.split('.');
    return !!exp && !!sig && Number(exp) > now() && safeEqual(sig, sign(Number(exp)));
  }

  router.use((req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    if (origin && deps.corsOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.setHeader('Vary', 'Origin');
    res.setHeader('Cache-Control', 'no-store');
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  });

  router.get('/login', (_req, res) => {
    res.type('html').send(LOGIN_PAGE);
  });
  router.post(
    '/login',
    loginLimit,
    express.urlencoded({ extended: false, limit: '4kb' }),
    (req, res, next) => {
      const token = typeof req.body?.token === 'string' ? (req.body.token as string) : '';
      if (!token || !safeEqual(token, deps.adminToken)) {
        deps.logger?.warn({ ip: req.ip }, 'codec sign-in refused');
        next(new HttpError(401, 'unauthorized', 'Wrong token.'));
        return;
      }
      const exp = now() + sessionMs;
      // Secure whenever the request came over https (directly, or via a trusted proxy).
      res.setHeader(
        'Set-Cookie',
        `${COOKIE}=${exp}.${sign(exp)}; Path=/codec; HttpOnly; SameSite=Strict; Max-Age=${Math.floor(sessionMs / 1000)}` +
          (req.secure ? '; Secure' : ''),
      );
      deps.logger?.info({ ip: req.ip, until: new Date(exp).toISOString() }, 'codec session started');
      res.type('text').send('Session started: the Temporal Web UI on this host can decode payloads now.\n');
    },
  );

  const authorised = (req: Request, _res: Response, next: NextFunction) => {
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
    if (
      (bearer && safeEqual(bearer, deps.adminToken)) ||
      sessionValid(readCookie(req.headers.cookie, COOKIE))
    ) {
      next();
      return;
    }
    next(new HttpError(401, 'unauthorized', 'The codec endpoint needs the admin token.'));
  };

  const handler = (op: 'encode' | 'decode') => async (req: Request, res: Response, next: NextFunction) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) {
      next(new HttpError(400, 'bad_request', 'Expected {"payloads":[{"metadata":{…},"data":"…"}]}.'));
      return;
    }
    try {
      const payloads = parsed.data.payloads.map(payloadFromJson);
      const out = op === 'encode' ? await deps.codec.encode(payloads) : await deps.codec.decode(payloads);
      res.json({ payloads: out.map(payloadToJson) });
    } catch (err) {
      // The codec's messages name key ids only, never payload content.
      next(new HttpError(400, 'codec_failed', (err as Error).message));
    }
  };

  const json = express.json({ limit: '8mb' });
  for (const op of ['encode', 'decode'] as const) {
    router.post(`/${op}`, bearerLimit, authorised, json, handler(op));
    router.post(`/:namespace/${op}`, bearerLimit, authorised, json, handler(op));
  }
  return router;
}
