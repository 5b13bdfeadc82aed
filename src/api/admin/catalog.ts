// /admin/catalog: a store's SKU catalogue. Preview is a dry run; Publish and rollback (operators
// and admins) record the signed-in person on the catalogue version and every mapping version.
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../../db/client';
import { CatalogError, createCatalog } from '../../catalog/catalog';
import { STORE_ID } from '../../shared/contract';
import { allows } from '../../users/users';
import { catalogPage, type CatalogPageData } from './catalog-views';
import type { Session } from './session';
import { messagePage, type Flash } from './views';

export interface CatalogRouterDeps {
  db: Db;
  logger: Logger;
  session(req: Request): Promise<Session | undefined>;
  csrfToken(s: Session): string;
  csrfValid(s: Session, given: unknown): boolean;
  by(s: Session): string;
}

export function catalogRouter(deps: CatalogRouterDeps): Router {
  const router = Router();
  const catalog = createCatalog(deps.db);
  const log = deps.logger.child({ component: 'admin-catalog' });
  const send = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);
  const field = (req: Request, name: string): string => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : '';
  };

  async function render(
    res: Response,
    s: Session,
    storeId: string,
    status = 200,
    extra: Pick<CatalogPageData, 'flash' | 'preview'> = {},
  ) {
    const stores = (await deps.db.store.findMany({ select: { id: true }, orderBy: { id: 'asc' } })).map(
      (x) => x.id,
    );
    if (!stores.includes(storeId))
      return send(res, 404, messagePage('Not found', `There is no store "${storeId}".`));
    const [rows, history] = await Promise.all([catalog.current(storeId), catalog.history(storeId)]);
    send(
      res,
      status,
      catalogPage({
        user: s.name,
        csrf: deps.csrfToken(s),
        stores,
        storeId,
        rows,
        history,
        canChange: allows(s.role, 'operator'),
        ...extra,
      }),
    );
  }

  router.get('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const wanted = typeof req.query.store === 'string' ? req.query.store : '';
    const first = await deps.db.store.findFirst({ select: { id: true }, orderBy: { id: 'asc' } });
    const storeId = STORE_ID.test(wanted) ? wanted : first?.id;
    if (!storeId) return send(res, 200, messagePage('Catalogue', 'There is no store yet.'));
    const done = typeof req.query.published === 'string' ? req.query.published : '';
    await render(
      res,
      s,
      storeId,
      200,
      done ? { flash: { kind: 'ok', text: `Published catalogue ${done}.` } } : {},
    );
  });

  router.get('/:store/export.csv', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    const storeId = String(req.params.store);
    if (!STORE_ID.test(storeId)) return send(res, 404, messagePage('Not found', 'No such store.'));
    res
      .status(200)
      .type('text/csv')
      .set('Content-Disposition', `attachment; filename="catalog-${storeId}.csv"`)
      .send(await catalog.export(storeId));
  });

  const post = (
    path: string,
    act: (req: Request, res: Response, s: Session, storeId: string) => Promise<void>,
  ) =>
    router.post(path, async (req, res) => {
      const s = await deps.session(req);
      if (!s) return send(res, 401, messagePage('Signed out', 'Your session has ended; sign in again.'));
      if (!deps.csrfValid(s, (req.body as Record<string, unknown> | undefined)?.csrf))
        return send(
          res,
          403,
          messagePage('Forbidden', 'The form has expired; reload the page and try again.'),
        );
      if (!allows(s.role, 'operator'))
        return send(res, 403, messagePage('Forbidden', `A ${s.role} cannot change the catalogue.`));
      const storeId = String(req.params.store);
      if (!STORE_ID.test(storeId)) return send(res, 404, messagePage('Not found', 'No such store.'));
      try {
        await act(req, res, s, storeId);
      } catch (err) {
        if (!(err instanceof CatalogError)) throw err;
        const flash: Flash = { kind: 'error', text: err.message };
        await render(res, s, storeId, 422, { flash, preview: { csv: field(req, 'csv'), errors: err.lines } });
      }
    });

  post('/:store/preview', async (req, res, s, storeId) => {
    const csv = field(req, 'csv');
    const diff = await catalog.dryRun(storeId, csv);
    await render(res, s, storeId, 200, { preview: { csv, diff } });
  });
  post('/:store/publish', async (req, res, s, storeId) => {
    const by = deps.by(s);
    const r = await catalog.publish(storeId, field(req, 'csv'), {
      by,
      note: field(req, 'note').trim() || undefined,
    });
    log.info(
      {
        storeId,
        version: r.version,
        by,
        added: r.diff.added.length,
        changed: r.diff.changed.length,
        retired: r.diff.retired.length,
      },
      'catalogue published',
    );
    res.redirect(303, `/admin/catalog?store=${storeId}&published=v${r.version}`);
  });
  post('/:store/rollback', async (req, res, s, storeId) => {
    const by = deps.by(s);
    const version = Number(field(req, 'version'));
    const r = await catalog.rollback(storeId, version, { by });
    log.info({ storeId, version: r.version, restoredFrom: version, by }, 'catalogue rolled back');
    res.redirect(303, `/admin/catalog?store=${storeId}&published=v${r.version}`);
  });
  return router;
}
