// /admin: the exceptions page. Sign-in with ADMIN_TOKEN sets a signed HttpOnly SameSite=Strict
// cookie; every decision form carries a CSRF token; every decision is the workflow's
// reviewDecision Update, so the workflow's validator has the last word and its refusal is shown.
import express, { Router, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import {
  ORDER_ID_PATTERN,
  statusQuery,
  STORE_ID_PATTERN,
  type FulfillmentState,
  type ReviewAction,
} from '../../shared/contract';
import { decideReview, REVIEW_ACTIONS, ReviewDecisionError, type DecisionFailure } from '../../review/decide';
import { FormError, toDecision } from './decision-form';
import { loadExceptions } from './exceptions';
import {
  ADMIN_NAME,
  createSessions,
  decidedBy,
  type AdminUser,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  sessionCookie,
  type Session,
} from './session';
import { exceptionsPage, loginPage, messagePage, type Flash } from './views';
import { storesRouter } from './stores';
import { usersRouter } from './users';
import { catalogRouter } from './catalog';
import { ordersRouter } from './orders';
import { dashboardRouter } from './dashboard';
import type { Notifier } from '../../notify/notifier';
import { createLoginLimiter, loginLockedMessage } from './login-limiter';
import { allows, createUsers, type Role } from '../../users/users';
import type { CodeVault } from '../../codes/vault';
import { createStoreService } from '../../stores/service';

export interface AdminDeps {
  db: Db;
  temporal: Client;
  adminToken: string;
  /** Personal sign-in tokens (ADMIN_USERS): decisions then record the authenticated user. */
  adminUsers?: readonly AdminUser[];
  logger: Logger;
  /** How long one decision may take before the page gives up waiting (the Update may still apply). */
  decisionTimeoutMs?: number;
  /** The code key ring: store secrets are encrypted with it. Without it, no store pages. */
  vault?: CodeVault;
  /** The codes email, for the order page's resend button. */
  notifier?: Notifier;
  /** Called after a store changed (the API's registry drops its cached answer). */
  onStoreChange?: (storeId: string) => void;
}

const ACTION_LABEL: Record<ReviewAction, string> = {
  retry: 'retry',
  markDelivered: 'mark delivered',
  acceptCost: 'accept the cost and deliver',
  refund: 'refund',
  cancel: 'cancel',
};

/** The page's answer to each way a decision fails (src/review/decide.ts). */
const DECISION_STATUS: Record<DecisionFailure, number> = {
  invalid: 422,
  refused: 422,
  not_running: 404,
  timeout: 504,
  unavailable: 409,
};

const STATES: readonly FulfillmentState[] = [
  'awaiting_order',
  'awaiting_payment',
  'checking',
  'ordering',
  'awaiting_supplier',
  'in_review',
  'delivering',
  'delivered',
  'refunded',
  'cancelled',
  'not_paid',
  'skipped',
];

const WORKFLOW_ID = new RegExp(`^fulfill:${STORE_ID_PATTERN}:${ORDER_ID_PATTERN}$`);

export function adminRouter(deps: AdminDeps): Router {
  const router = Router();
  const sessions = createSessions(deps.adminToken, deps.adminUsers);
  const log = deps.logger.child({ component: 'admin' });

  router.use((_req, res, next) => {
    res.set({
      'Cache-Control': 'no-store',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'X-Content-Type-Options': 'nosniff',
    });
    next();
  });
  // 1 MB: a catalogue CSV of a few thousand SKUs is posted as one field.
  router.use(express.urlencoded({ extended: false, limit: '1mb', parameterLimit: 20 }));

  const users = createUsers(deps.db);
  const limiter = createLoginLimiter();
  /** The cookie's session; a named user's role is re-read so a disable or demotion applies at once. */
  const session = async (req: Request): Promise<Session | undefined> => {
    const s = sessions.read(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!s?.principal.startsWith('login:')) return s;
    const role = await users.activeRole(s.name);
    return role ? { ...s, role } : undefined;
  };
  const form = (req: Request): Record<string, unknown> =>
    typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
  const send = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

  async function render(res: Response, s: Session, status: number, flash?: Flash) {
    const view = await loadExceptions({ db: deps.db, temporal: deps.temporal });
    send(res, status, exceptionsPage({ view, user: s.name, csrf: sessions.csrfToken(s), flash }));
  }

  if (deps.vault) {
    router.use(
      '/stores',
      storesRouter({
        stores: createStoreService({ db: deps.db, vault: deps.vault, onChange: deps.onStoreChange }),
        logger: deps.logger,
        session,
        csrfToken: (s) => sessions.csrfToken(s),
        csrfValid: (s, given) => sessions.csrfValid(s, given),
        by: decidedBy,
      }),
    );
  }

  router.use(
    '/orders',
    ordersRouter({
      db: deps.db,
      temporal: deps.temporal,
      logger: deps.logger,
      notifier: deps.notifier,
      session,
      csrfToken: (s) => sessions.csrfToken(s),
      csrfValid: (s, given) => sessions.csrfValid(s, given),
      by: decidedBy,
    }),
  );
  router.use(
    '/dashboard',
    dashboardRouter({ db: deps.db, session, csrfToken: (s) => sessions.csrfToken(s) }),
  );
  router.use(
    '/catalog',
    catalogRouter({
      db: deps.db,
      logger: deps.logger,
      session,
      csrfToken: (s) => sessions.csrfToken(s),
      csrfValid: (s, given) => sessions.csrfValid(s, given),
      by: decidedBy,
    }),
  );
  router.use(
    '/users',
    usersRouter({
      users,
      logger: deps.logger,
      session,
      csrfToken: (s) => sessions.csrfToken(s),
      csrfValid: (s, given) => sessions.csrfValid(s, given),
    }),
  );

  router.get('/login', async (req, res) => {
    if (await session(req)) return res.redirect(303, '/admin');
    send(res, 200, loginPage());
  });

  // Per client IP (20 a minute); on top of it each name locks after 5 failures in 15 min.
  router.post(
    '/login',
    rateLimit({ windowMs: 60_000, limit: 20, standardHeaders: 'draft-8', legacyHeaders: false }),
    async (req, res) => {
      const { token, name } = form(req);
      const who = typeof name === 'string' ? name.trim() : '';
      if (!ADMIN_NAME.test(who)) {
        return send(res, 400, loginPage({ error: 'Give your name (letters, digits, . _ @ -).' }));
      }
      const wait = limiter.lockedFor(who);
      if (wait) {
        log.warn({ name: who, ip: req.ip }, 'admin sign-in refused: too many failures for this name');
        res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
        return send(res, 429, loginPage({ error: loginLockedMessage(wait), name: who }));
      }
      const password = typeof token === 'string' ? token : '';
      let auth: { name: string; principal: string; role: Role } | undefined;
      const user = await users.authenticate(who, password);
      if (user) auth = { name: user.name, principal: `login:${user.name}`, role: user.role };
      else {
        // Personal ADMIN_USERS tokens always sign in; the shared ADMIN_TOKEN only while no named
        // user exists (to create the first ones); afterwards it serves machines (CLI, codec).
        const t = sessions.authenticate(password, who);
        if (t && (t.principal !== 'admin-token' || (await users.count()) === 0))
          auth = { ...t, role: 'admin' };
      }
      if (!auth) {
        limiter.fail(who);
        log.warn({ name: who, ip: req.ip }, 'admin sign-in refused');
        return send(res, 401, loginPage({ error: 'That password or admin token is not right.', name: who }));
      }
      limiter.succeed(who);
      const { cookie } = sessions.issue(auth.name, Date.now(), auth.principal, auth.role);
      res.setHeader('Set-Cookie', sessionCookie(cookie, { secure: req.secure, maxAgeMs: SESSION_TTL_MS }));
      log.info(
        { name: auth.name, principal: auth.principal, role: auth.role, ip: req.ip },
        'admin signed in',
      );
      res.redirect(303, '/admin');
    },
  );

  router.post('/logout', async (req, res) => {
    const s = await session(req);
    if (s && !sessions.csrfValid(s, form(req).csrf)) {
      return send(res, 403, messagePage('Forbidden', 'The form has expired; reload the page and try again.'));
    }
    res.setHeader('Set-Cookie', sessionCookie('', { secure: req.secure, maxAgeMs: 0 }));
    res.redirect(303, '/admin/login');
  });

  router.get('/', async (req, res) => {
    const s = await session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const q = req.query;
    let flash: Flash | undefined;
    const action = REVIEW_ACTIONS.find((a) => a === q.action);
    const state = STATES.find((st) => st === q.state);
    if (typeof q.decided === 'string' && WORKFLOW_ID.test(q.decided) && action && state) {
      flash = {
        kind: 'ok',
        text: `Decision "${ACTION_LABEL[action]}" applied to ${q.decided}; the workflow is now ${state}.`,
      };
    }
    await render(res, s, 200, flash);
  });

  router.post('/orders/:workflowId/decision', async (req, res) => {
    const s = await session(req);
    if (!s) return send(res, 401, loginPage({ error: 'Your session has ended; sign in again.' }));
    const body = form(req);
    if (!sessions.csrfValid(s, body.csrf)) {
      return send(res, 403, messagePage('Forbidden', 'The form has expired; reload the page and try again.'));
    }
    if (!allows(s.role, 'operator'))
      return render(res, s, 403, { kind: 'error', text: `A ${s.role} cannot decide; ask an operator.` });
    const workflowId = String(req.params.workflowId);
    if (!WORKFLOW_ID.test(workflowId)) return render(res, s, 404, { kind: 'error', text: 'No such order.' });
    const handle = deps.temporal.workflow.getHandle(workflowId);

    let decision;
    try {
      let defaultLine: number | undefined;
      if (body.action === 'markDelivered') {
        const status = await deps.temporal
          .withDeadline(Date.now() + 5_000, () => handle.query(statusQuery))
          .catch(() => undefined);
        const missing = (status?.lines ?? []).filter(
          (l) => l.state !== 'ignored' && l.delivered < l.quantity,
        );
        if (missing.length === 1) defaultLine = missing[0]!.lineNo;
      }
      decision = toDecision(body, decidedBy(s), defaultLine);
    } catch (err) {
      if (err instanceof FormError) return render(res, s, 422, { kind: 'error', text: err.message });
      throw err;
    }

    try {
      const status = await decideReview(deps.temporal, workflowId, decision, {
        timeoutMs: deps.decisionTimeoutMs,
        logger: log,
        context: { principal: s.principal, ip: req.ip },
      });
      const qs = new URLSearchParams({ decided: workflowId, action: decision.action, state: status.state });
      return res.redirect(303, `/admin?${qs.toString()}`);
    } catch (err) {
      if (!(err instanceof ReviewDecisionError)) throw err;
      const text = err.kind === 'refused' ? `The workflow refused the decision: ${err.reason}` : err.reason;
      return render(res, s, DECISION_STATUS[err.kind], { kind: 'error', text });
    }
  });

  return router;
}
