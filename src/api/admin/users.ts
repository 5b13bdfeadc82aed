// /admin/users: named people and their roles (admins only change them). Passwords are typed by
// the admin for the new person and never shown back.
import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { allows, ROLES, UserError, type Users } from '../../users/users';
import type { Session } from './session';
import { usersPage } from './user-views';
import { messagePage, type Flash } from './views';

export interface UsersRouterDeps {
  users: Users;
  logger: Logger;
  session(req: Request): Promise<Session | undefined>;
  csrfToken(s: Session): string;
  csrfValid(s: Session, given: unknown): boolean;
}

export function usersRouter(deps: UsersRouterDeps): Router {
  const router = Router();
  const log = deps.logger.child({ component: 'admin-users' });
  const send = (res: Response, status: number, body: string) => res.status(status).type('html').send(body);
  const field = (req: Request, name: string): string => {
    const v = (req.body as Record<string, unknown> | undefined)?.[name];
    return typeof v === 'string' ? v : '';
  };
  async function render(res: Response, s: Session, status: number, flash?: Flash) {
    const users = await deps.users.list();
    send(res, status, usersPage({ users, user: s.name, csrf: deps.csrfToken(s), flash }));
  }

  router.get('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return res.redirect(303, '/admin/login');
    if (!allows(s.role, 'admin'))
      return send(res, 403, messagePage('Forbidden', 'Only admins manage users.'));
    const done = typeof req.query.done === 'string' ? req.query.done : '';
    await render(res, s, 200, done ? { kind: 'ok', text: 'Saved.' } : undefined);
  });

  router.post('/', async (req, res) => {
    const s = await deps.session(req);
    if (!s) return send(res, 401, messagePage('Signed out', 'Your session has ended; sign in again.'));
    if (!deps.csrfValid(s, (req.body as Record<string, unknown> | undefined)?.csrf))
      return send(res, 403, messagePage('Forbidden', 'The form has expired; reload the page and try again.'));
    if (!allows(s.role, 'admin'))
      return send(res, 403, messagePage('Forbidden', 'Only admins manage users.'));
    const name = field(req, 'name').trim();
    const op = field(req, 'op');
    try {
      if (op === 'add') await deps.users.add(name, field(req, 'role'), field(req, 'password'), s.name);
      else if (op === 'role') await deps.users.setRole(name, field(req, 'role'));
      else if (op === 'disable' || op === 'enable') {
        if (name === s.name && op === 'disable') throw new UserError('you cannot disable yourself');
        await deps.users.setDisabled(name, op === 'disable');
      } else throw new UserError('unknown change');
      log.info(
        { user: name, op, role: ROLES.find((r) => r === field(req, 'role')), by: s.name },
        'user changed',
      );
      res.redirect(303, '/admin/users?done=1');
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      await render(res, s, 422, { kind: 'error', text: err.message });
    }
  });
  return router;
}
