// Admin sessions: a login form takes the ADMIN_TOKEN and a name, and the answer is a cookie
// holding {name, expiry, nonce} signed with an HMAC key derived from the token (changing the
// token signs everyone out). Action forms carry a CSRF token bound to the session nonce.
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../../observability/safe-equal';
import { ROLES, type Role } from '../../users/users';

export const SESSION_COOKIE = 'cb_admin';
export const SESSION_TTL_MS = 8 * 3_600_000;

export interface Session {
  /** The name shown on the page: the personal user's name, or the one typed at sign-in. */
  name: string;
  expiresAt: number;
  nonce: string;
  /**
   * How the session was authenticated: `user:<name>` for a personal token (ADMIN_USERS), or
   * `admin-token` for the shared ADMIN_TOKEN, where the name is only self-declared, or
   * `login:<name>` for a named user (users table, password), whose role is re-read per request.
   */
  principal: string;
  /** What the session may do: viewer, operator or admin (the tokens are admins). */
  role: Role;
}

/** What a review decision records as `by`: the authenticated principal, never only a typed name. */
export function decidedBy(s: Session): string {
  return s.principal === `user:${s.name}` || s.principal === `login:${s.name}`
    ? s.name
    : `${s.name} (self-declared; shared admin token)`;
}

export interface AdminUser {
  name: string;
  token: string;
}

export const ADMIN_NAME = /^[\p{L}\p{N} ._@-]{1,64}$/u;

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString('base64url');
}

export interface Sessions {
  /** Constant-time comparison of a submitted token with ADMIN_TOKEN. */
  tokenMatches(given: string): boolean;
  /** The principal a sign-in token authenticates (personal user first), or undefined. */
  authenticate(token: string, declaredName: string): { name: string; principal: string } | undefined;
  issue(name: string, now?: number, principal?: string, role?: Role): { cookie: string; session: Session };
  read(cookie: string | undefined, now?: number): Session | undefined;
  csrfToken(session: Session): string;
  csrfValid(session: Session, given: unknown): boolean;
}

export function createSessions(adminToken: string, users: readonly AdminUser[] = []): Sessions {
  const key = createHmac('sha256', adminToken)
    .update('cardbridge admin session v1')
    .update(users.map((u) => `${u.name}:${u.token}`).join('\n'))
    .digest();
  const sign = (data: string) => createHmac('sha256', key).update(data).digest('base64url');
  return {
    tokenMatches(given) {
      return safeEqual(given, adminToken);
    },
    authenticate(token, declaredName) {
      // Compare with every token so timing does not say which one (or whether any) matched.
      let user: AdminUser | undefined;
      for (const u of users) if (safeEqual(token, u.token)) user = u;
      if (user) return { name: user.name, principal: `user:${user.name}` };
      return safeEqual(token, adminToken) ? { name: declaredName, principal: 'admin-token' } : undefined;
    },
    issue(name, now = Date.now(), principal = 'admin-token', role = 'admin') {
      const session: Session = {
        name,
        expiresAt: now + SESSION_TTL_MS,
        nonce: b64url(randomBytes(16)),
        principal,
        role,
      };
      const body = b64url(
        JSON.stringify({
          n: session.name,
          e: session.expiresAt,
          s: session.nonce,
          p: session.principal,
          r: session.role,
        }),
      );
      return { cookie: `${body}.${sign(`session.${body}`)}`, session };
    },
    read(cookie, now = Date.now()) {
      if (!cookie) return undefined;
      const [body, mac, extra] = cookie.split('.');
      if (!body || !mac || extra !== undefined || !safeEqual(sign(`session.${body}`), mac)) return undefined;
      try {
        const p = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as {
          n?: unknown;
          e?: unknown;
          s?: unknown;
          p?: unknown;
          r?: unknown;
        };
        if (typeof p.n !== 'string' || typeof p.e !== 'number' || typeof p.s !== 'string') return undefined;
        if (p.e <= now || !ADMIN_NAME.test(p.n)) return undefined;
        const principal = typeof p.p === 'string' ? p.p : 'admin-token';
        const role = ROLES.find((r) => r === p.r) ?? (principal.startsWith('login:') ? 'viewer' : 'admin');
        return { name: p.n, expiresAt: p.e, nonce: p.s, principal, role };
      } catch {
        return undefined;
      }
    },
    csrfToken(session) {
      return sign(`csrf.${session.nonce}`);
    },
    csrfValid(session, given) {
      return typeof given === 'string' && safeEqual(sign(`csrf.${session.nonce}`), given);
    },
  };
}

/** The value of one cookie from a Cookie header (no cookie-parser dependency). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookie(value: string, opts: { secure: boolean; maxAgeMs: number }): string {
  return [
    `${SESSION_COOKIE}=${value}`,
    'Path=/admin',
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${Math.max(0, Math.floor(opts.maxAgeMs / 1000))}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}
