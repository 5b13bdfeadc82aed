// /admin/orders: every order findable (search by store, order id, status, SKU, region, customer
// email, date range; paginated), an order page with its timeline (events, the workflow's status
// query, decisions, notices, masked codes) and a resend-codes button (operators).
import { Router, type Request, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import type { Prisma } from '../../generated/prisma/client';
import { resendNotice, ResendError } from '../../notify/resend';
import type { Notifier } from '../../notify/notifier';
import { statusQuery, type FulfillmentStatus } from '../../shared/contract';
import { allows } from '../../users/users';
import { orderPage, ordersPage, PAGE_SIZE, type OrderSearch } from './order-views';
import type { Session } from './session';
import { messagePage, type Flash } from './views';

export interface OrdersRouterDeps {
  db: Db;
  temporal: Client;
  logger: Logger;
  /** The codes email; without it the resend button says it is not available here. */
  notifier?: Notifier;
  session(req: Request): Promise<Session | undefined>;
  csrfToken(s: Session): string;
  csrfValid(s: Session, given: unknown): boolean;
  by(s: Session): string;
}

const q = (req: Request, name: string) => {
  const v = req.query[name];
  return typeof v === 'string' ? v.trim().slice(0, 200) : '';
};
const day = (v: string, end = false) =>
  /^\d{4}-\d{2}-\d{2}$/.test(v) ? new Date(`${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z`) : undefined;

export function ordersRouter(deps: OrdersRouterDeps): Router {
  const router = Router();
  const log = deps.logger.child({ component: 'admin-orders' });
  const send = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);

  router.get('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const search: OrderSearch = {
      store: q(req, 'store'),
      order: q(req, 'order'),
      status: q(req, 'status'),
      sku: q(req, 'sku'),
      region: q(req, 'region').toUpperCase(),
      email: q(req, 'email'),
      from: q(req, 'from'),
      to: q(req, 'to'),
      page: Math.max(1, Math.min(10_000, Number(q(req, 'page')) || 1)),
    };
    const where: Prisma.OrderWhereInput = {
      ...(search.store && { storeId: search.store }),
      ...(search.order && { externalOrderId: search.order }),
      ...(search.status && { status: search.status }),
      ...(search.region && { region: search.region }),
      ...(search.email && { customerEmail: { equals: search.email, mode: 'insensitive' as const } }),
      ...(search.sku && { lines: { some: { sku: search.sku } } }),
      ...((day(search.from) || day(search.to, true)) && {
        createdAt: {
          ...(day(search.from) && { gte: day(search.from) }),
          ...(day(search.to, true) && { lte: day(search.to, true) }),
        },
      }),
    };
    const [total, orders] = await Promise.all([
      deps.db.order.count({ where }),
      deps.db.order.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        skip: (search.page - 1) * PAGE_SIZE,
        take: PAGE_SIZE,
        include: { lines: { orderBy: { lineNo: 'asc' } } },
      }),
    ]);
    send(res, 200, ordersPage({ user: s.name, csrf: deps.csrfToken(s), search, total, orders }));
  });

  async function show(res: Response, s: Session, workflowId: string, status = 200, flash?: Flash) {
    const order = await deps.db.order.findUnique({
      where: { workflowId },
      include: {
        lines: { orderBy: { lineNo: 'asc' } },
        events: { orderBy: { createdAt: 'asc' } },
        reviews: { orderBy: { createdAt: 'asc' } },
        notifications: { orderBy: { sentAt: 'asc' } },
        codes: {
          orderBy: [{ lineNo: 'asc' }, { unitIndex: 'asc' }],
          select: { lineNo: true, unitIndex: true, masked: true, createdAt: true },
        },
      },
    });
    if (!order) return send(res, 404, messagePage('Not found', `There is no order ${workflowId}.`));
    let workflow: FulfillmentStatus | string;
    try {
      workflow = await deps.temporal.withDeadline(Date.now() + 3_000, () =>
        deps.temporal.workflow.getHandle(workflowId).query(statusQuery),
      );
    } catch (err) {
      workflow = `status query unavailable: ${err instanceof Error ? err.message : String(err)}`;
    }
    send(
      res,
      status,
      orderPage({
        user: s.name,
        csrf: deps.csrfToken(s),
        order,
        workflow,
        canResend: allows(s.role, 'operator'),
        flash,
      }),
    );
  }

  router.get('/:workflowId', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const done = q(req, 'resent');
    await show(
      res,
      s,
      String(req.params.workflowId),
      200,
      done ? { kind: 'ok', text: `Codes email sent again (${done} codes).` } : undefined,
    );
  });

  router.post('/:workflowId/resend', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return send(res, 401, messagePage('Signed out', 'Your session has ended; sign in again.'));
    if (!deps.csrfValid(s, (req.body as Record<string, unknown> | undefined)?.csrf))
      return send(res, 403, messagePage('Forbidden', 'The form has expired; reload the page and try again.'));
    const workflowId = String(req.params.workflowId);
    if (!allows(s.role, 'operator'))
      return show(res, s, workflowId, 403, { kind: 'error', text: `A ${s.role} cannot resend codes.` });
    if (!deps.notifier)
      return show(res, s, workflowId, 503, {
        kind: 'error',
        text: 'Resending is not available in this process.',
      });
    const order = await deps.db.order.findUnique({ where: { workflowId } });
    if (!order) return send(res, 404, messagePage('Not found', `There is no order ${workflowId}.`));
    try {
      const by = deps.by(s);
      const r = await resendNotice(
        { db: deps.db, notifier: deps.notifier },
        { workflowId, template: 'delivered', by },
      );
      log.info({ workflowId, orderId: order.externalOrderId, by }, 'codes email resent');
      res.redirect(303, `/admin/orders/${encodeURIComponent(workflowId)}?resent=${r.codes}`);
    } catch (err) {
      if (!(err instanceof ResendError)) throw err;
      await show(res, s, workflowId, 422, { kind: 'error', text: err.message });
    }
  });
  return router;
}
