// /admin/stores: stores as data. Every change records the signed-in person and invalidates the
// store registry's cache (other processes see it within the registry's TTL).
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { StoreService } from '../../stores/service';
import { StoreError } from '../../stores/service';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../../stores/secrets';
import type { Session } from './session';
import { allows } from '../../users/users';
import { storePage, storesPage } from './store-views';
import { messagePage, type Flash } from './views';

export interface StoresRouterDeps {
  stores: StoreService;
  logger: Logger;
  session(req: Request): Promise<Session | undefined>;
  csrfToken(s: Session): string;
  csrfValid(s: Session, given: unknown): boolean;
  /** What a change records as its author. */
  by(s: Session): string;
}

const FLASH: Record<string, string> = {
  created: 'Store created.',
  saved: 'Store saved.',
  disabled: 'Store disabled: its webhooks are now refused.',
  enabled: 'Store enabled.',
  'secret-added': 'Secret added; the old ones still verify until retired.',
  'secret-retired': 'Secret retired.',
  paynup: "Pay'nUp saved.",
  rest: 'Storefront credentials saved.',
};

export function storesRouter(deps: StoresRouterDeps): Router {
  const router = Router();
  const log = deps.logger.child({ component: 'admin-stores' });
  const send = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);
  const field = (req: Request, name: string): string => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : '';
  };
  const flashFrom = (req: Request): Flash | undefined => {
    const key = typeof req.query.done === 'string' ? req.query.done : '';
    return Object.hasOwn(FLASH, key) ? { kind: 'ok', text: FLASH[key]! } : undefined;
  };

  async function list(req: Request, res: Response, s: Session, status = 200, flash?: Flash) {
    const stores = await deps.stores.list();
    send(
      res,
      status,
      storesPage({ stores, user: s.name, csrf: deps.csrfToken(s), flash: flash ?? flashFrom(req) }),
    );
  }
  async function one(req: Request, res: Response, s: Session, id: string, status = 200, flash?: Flash) {
    const store = await deps.stores.get(id).catch(() => undefined);
    if (!store) return send(res, 404, messagePage('Not found', `There is no store "${id}".`));
    send(
      res,
      status,
      storePage({ store, user: s.name, csrf: deps.csrfToken(s), flash: flash ?? flashFrom(req) }),
    );
  }

  router.get('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    await list(req, res, s);
  });
  router.get('/:id', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    await one(req, res, s, String(req.params.id));
  });

  /** A POST: session, CSRF, the change, then redirect (or the page again with the refusal). */
  const change = (
    path: string,
    act: (req: Request, by: string, id: string | undefined) => Promise<{ id: string; done: string }>,
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
      if (!allows(s.role, 'admin'))
        return send(res, 403, messagePage('Forbidden', `A ${s.role} cannot change stores; ask an admin.`));
      const id = typeof req.params.id === 'string' ? req.params.id : undefined;
      try {
        const by = deps.by(s);
        const r = await act(req, by, id);
        log.info({ storeId: r.id, change: r.done, by }, 'store changed');
        res.redirect(303, `/admin/stores/${r.id}?done=${r.done}`);
      } catch (err) {
        if (!(err instanceof StoreError)) throw err;
        const flash: Flash = { kind: 'error', text: err.message };
        return id ? one(req, res, s, id, 422, flash) : list(req, res, s, 422, flash);
      }
    });

  const fields = (req: Request) => ({
    name: field(req, 'name'),
    platform: field(req, 'platform') as 'woocommerce',
    storefrontUrl: field(req, 'storefrontUrl').trim(),
    allowedPaymentMethods: field(req, 'allowedPaymentMethods'),
    amountTolerance: field(req, 'amountTolerance') || undefined,
    regions: field(req, 'regions').toUpperCase(),
    codeSkuPrefixes: field(req, 'codeSkuPrefixes'),
  });
  const provider = (req: Request): WebhookProvider => {
    const p = WEBHOOK_PROVIDERS.find((x) => x === field(req, 'provider'));
    if (!p) throw new StoreError('unknown webhook provider');
    return p;
  };

  change('/', async (req, by) => {
    const id = field(req, 'id').trim();
    const exists = await deps.stores.get(id).then(
      () => true,
      () => false,
    );
    if (exists) throw new StoreError(`store "${id}" already exists; edit it from its page`);
    await deps.stores.save(id, fields(req), by);
    return { id, done: 'created' };
  });
  change('/:id', async (req, by, id) => {
    await deps.stores.save(id!, fields(req), by);
    return { id: id!, done: 'saved' };
  });
  change('/:id/disable', async (_req, by, id) => {
    await deps.stores.setDisabled(id!, true, by);
    return { id: id!, done: 'disabled' };
  });
  change('/:id/enable', async (_req, by, id) => {
    await deps.stores.setDisabled(id!, false, by);
    return { id: id!, done: 'enabled' };
  });
  change('/:id/secrets/add', async (req, by, id) => {
    await deps.stores.addWebhookSecret(id!, provider(req), field(req, 'secret'), by);
    return { id: id!, done: 'secret-added' };
  });
  change('/:id/secrets/retire', async (req, by, id) => {
    await deps.stores.retireWebhookSecret(id!, provider(req), field(req, 'masked'), by);
    return { id: id!, done: 'secret-retired' };
  });
  change('/:id/paynup', async (req, by, id) => {
    await deps.stores.setPaynup(id!, { apiId: field(req, 'apiId'), addKey: field(req, 'addKey') }, by);
    return { id: id!, done: 'paynup' };
  });
  change('/:id/rest', async (req, by, id) => {
    const kind = field(req, 'kind');
    await deps.stores.setRestCredentials(
      id!,
      kind === 'callback'
        ? { kind: 'callback', secret: field(req, 'secret') }
        : {
            kind: 'woocommerce',
            consumerKey: field(req, 'consumerKey'),
            consumerSecret: field(req, 'secret'),
          },
      by,
    );
    return { id: id!, done: 'rest' };
  });

  return router;
}
