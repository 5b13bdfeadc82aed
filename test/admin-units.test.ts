// Pure parts of the exceptions page: escaping, sessions and CSRF, the decision form.
import { describe, expect, it } from 'vitest';
import { escapeHtml, html } from '../src/api/admin/html';
import {
  createSessions,
  decidedBy,
  readCookie,
  sessionCookie,
  SESSION_TTL_MS,
} from '../src/api/admin/session';
import { FormError, parseCodes, toDecision } from '../src/api/admin/decision-form';
import { exceptionsPage } from '../src/api/admin/views';

describe('html', () => {
  it('escapes every interpolated value and nests safe fragments as they are', () => {
    const evil = `<script>alert("x")</script>' onload=\`x\` &`;
    const out = html`<p title="${evil}">${evil}${html`<b>${evil}</b>`}${[evil, 1]}</p>`.value;
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; onload=&#96;x&#96; &amp;');
    expect(out).toContain('<b>&lt;script&gt;');
    expect(escapeHtml('a&b')).toBe('a&amp;b');
  });

  it('renders a hostile reason and order id inert on the page', () => {
    const page = exceptionsPage({
      user: '<img src=x onerror=alert(1)>',
      csrf: '"><x',
      view: {
        rows: [
          {
            kind: 'review',
            workflowId: 'fulfill:demo:1',
            storeId: 'demo',
            orderId: '<svg onload=alert(1)>',
            status: 'in_review',
            live: true,
            regions: ['US'],
            lines: [{ lineNo: 1, sku: '<i>', quantity: 1, delivered: 0, state: 'review', masked: [] }],
            reasonCode: 'RISK_FLAG',
            reason: '</td><script>steal()</script>',
            since: new Date(Date.now() - 90_000),
            missingLines: [1],
          },
        ],
        hours: [],
        totals: { pending: 0, retrying: 0, failed: 0, inReview: 1 },
      },
    });
    expect(page).not.toMatch(/<script|<svg|<img|<i>|"><x/);
    expect(page).toContain('&lt;/td&gt;&lt;script&gt;steal()&lt;/script&gt;');
    expect(page).toContain('1m');
  });
});

describe('sessions', () => {
  const sessions = createSessions('admin-token-for-tests');

  it('accepts only the admin token', () => {
    expect(sessions.tokenMatches('admin-token-for-tests')).toBe(true);
    expect(sessions.tokenMatches('admin-token-for-test')).toBe(false);
    expect(sessions.tokenMatches('')).toBe(false);
  });

  it('reads back what it issued and rejects tampering, expiry and other tokens', () => {
    const now = Date.now();
    const { cookie } = sessions.issue('Ada', now);
    expect(sessions.read(cookie, now + 1000)).toMatchObject({ name: 'Ada' });
    expect(sessions.read(cookie, now + SESSION_TTL_MS + 1)).toBeUndefined();
    const [body, mac] = cookie.split('.');
    const forged = Buffer.from(JSON.stringify({ n: 'Eve', e: now + 10_000, s: 'x' })).toString('base64url');
    expect(sessions.read(`${forged}.${mac}`, now)).toBeUndefined();
    expect(sessions.read(`${body}.${mac!.slice(0, -2)}aa`, now)).toBeUndefined();
    expect(sessions.read(`${body}`, now)).toBeUndefined();
    expect(createSessions('another-admin-token').read(cookie, now)).toBeUndefined();
  });

  it('records the authenticated principal: a personal token names its user, the shared one is marked', () => {
    const withUsers = createSessions('admin-token-for-tests', [
      { name: 'Ada Ops', token: 'ada-personal-token-0001' },
    ]);
    const personal = withUsers.authenticate('ada-personal-token-0001', 'Mallory');
    expect(personal).toEqual({ name: 'Ada Ops', principal: 'user:Ada Ops' });
    const shared = withUsers.authenticate('admin-token-for-tests', 'Bob');
    expect(shared).toEqual({ name: 'Bob', principal: 'admin-token' });
    expect(withUsers.authenticate('nope', 'Bob')).toBeUndefined();
    const s1 = withUsers.read(withUsers.issue(personal!.name, Date.now(), personal!.principal).cookie)!;
    expect(decidedBy(s1)).toBe('Ada Ops');
    const s2 = withUsers.read(withUsers.issue(shared!.name, Date.now(), shared!.principal).cookie)!;
    expect(decidedBy(s2)).toBe('Bob (self-declared; shared admin token)');
  });

  it('binds CSRF tokens to one session', () => {
    const a = sessions.issue('Ada').session;
    const b = sessions.issue('Ada').session;
    expect(sessions.csrfValid(a, sessions.csrfToken(a))).toBe(true);
    expect(sessions.csrfValid(a, sessions.csrfToken(b))).toBe(false);
    expect(sessions.csrfValid(a, undefined)).toBe(false);
  });

  it('sets HttpOnly, SameSite=Strict cookies scoped to /admin', () => {
    const c = sessionCookie('v', { secure: true, maxAgeMs: 60_000 });
    expect(c).toBe('cb_admin=v; Path=/admin; HttpOnly; SameSite=Strict; Max-Age=60; Secure');
    expect(readCookie('a=1; cb_admin=xyz.abc; b=2', 'cb_admin')).toBe('xyz.abc');
  });
});

describe('decision form', () => {
  it('parses codes, pins and line numbers', () => {
    expect(parseCodes('AAAA-1111\n\n  BBBB-2222 1234 \n', 1)).toEqual([
      { lineNo: 1, codes: [{ code: 'AAAA-1111' }, { code: 'BBBB-2222', pin: '1234' }] },
    ]);
    expect(parseCodes('2: CCCC\n3=DDDD', undefined)).toEqual([
      { lineNo: 2, codes: [{ code: 'CCCC' }] },
      { lineNo: 3, codes: [{ code: 'DDDD' }] },
    ]);
  });

  it('refuses rows it cannot place, without echoing the code', () => {
    const attempt = () => parseCodes('SECRET-CODE-9999', undefined);
    expect(attempt).toThrow(FormError);
    expect(attempt).toThrow(/row 1/);
    expect(attempt).not.toThrow(/SECRET/);
    expect(() => parseCodes('a b c d', 1)).toThrow(FormError);
  });

  it('builds the workflow decision', () => {
    expect(toDecision({ action: 'cancel', note: ' dup ' }, 'Ada', undefined)).toEqual({
      action: 'cancel',
      by: 'Ada',
      note: 'dup',
    });
    expect(toDecision({ action: 'markDelivered', codes: 'X-1' }, 'Ada', 1).codes).toEqual([
      { lineNo: 1, codes: [{ code: 'X-1' }] },
    ]);
    expect(() => toDecision({ action: 'delete' }, 'Ada', 1)).toThrow(FormError);
  });
});
