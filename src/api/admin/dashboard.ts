// /admin/dashboard: orders per minute, success ratio, delivery time and the per-hour outcomes,
// for a window and one store or all of them. Every signed-in role may look.
import { Router, type Request } from 'express';
import type { Db } from '../../db/client';
import { DEFAULT_WINDOW, loadDashboard, WINDOWS, type WindowName } from './dashboard-queries';
import { dashboardPage } from './dashboard-views';
import type { Session } from './session';

export interface DashboardRouterDeps {
  db: Db;
  session(req: Request): Promise<Session | undefined>;
  csrfToken(s: Session): string;
  /** The clock (tests pin it). */
  now?: () => Date;
}

export function dashboardRouter(deps: DashboardRouterDeps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const w = req.query.window;
    const window: WindowName = typeof w === 'string' && w in WINDOWS ? (w as WindowName) : DEFAULT_WINDOW;
    const stores = await deps.db.store.findMany({ select: { id: true }, orderBy: { id: 'asc' } });
    const storeIds = stores.map((st) => st.id);
    // Only a store that exists is a filter; anything else shows all stores.
    const store = storeIds.find((id) => id === req.query.store) ?? null;
    const view = await loadDashboard(deps.db, { window, store, now: deps.now?.() });
    res
      .status(200)
      .type('html')
      .send(dashboardPage({ user: s.name, csrf: deps.csrfToken(s), view, storeIds }));
  });
  return router;
}
