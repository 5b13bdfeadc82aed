// Named people of the console: create, list, change role, disable, reset the password.
import type { Db } from '../db/client';
import { Prisma } from '../generated/prisma/client';
import { dummyHash, hashPassword, MIN_PASSWORD_LENGTH, verifyPassword } from './password';

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what `needed` may (admin ⊃ operator ⊃ viewer). */
export function allows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export const USER_NAME = /^[\p{L}\p{N} ._@-]{1,64}$/u;

export class UserError extends Error {
  override name = 'UserError';
}

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
  lastLoginAt: Date | null;
}

const asRole = (r: string): Role => (ROLES.includes(r as Role) ? (r as Role) : 'viewer');

export function createUsers(db: Db) {
  const view = (u: {
    name: string;
    role: string;
    disabledAt: Date | null;
    createdAt: Date;
    createdBy: string;
    lastLoginAt: Date | null;
  }): UserView => ({
    name: u.name,
    role: asRole(u.role),
    disabled: !!u.disabledAt,
    createdAt: u.createdAt,
    createdBy: u.createdBy,
    lastLoginAt: u.lastLoginAt,
  });
  const checkPassword = (p: string) => {
    if (p.length < MIN_PASSWORD_LENGTH)
      throw new UserError(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  };
  const role = (r: string): Role => {
    if (!ROLES.includes(r as Role)) throw new UserError(`role is one of ${ROLES.join(', ')}`);
    return r as Role;
  };

  return {
    async add(name: string, r: string, password: string, by: string): Promise<UserView> {
      if (!USER_NAME.test(name)) throw new UserError('a name is 1-64 letters, digits, spaces and . _ @ -');
      checkPassword(password);
      try {
        return view(
          await db.user.create({
            data: { name, role: role(r), passwordHash: await hashPassword(password), createdBy: by },
          }),
        );
      } catch (err) {
        if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')
          throw new UserError(`user "${name}" already exists`);
        throw err;
      }
    },
    async list(): Promise<UserView[]> {
      return (await db.user.findMany({ orderBy: { name: 'asc' } })).map(view);
    },
    async count(): Promise<number> {
      return db.user.count();
    },
    /** The active user's role, or undefined (unknown or disabled): read on every request. */
    async activeRole(name: string): Promise<Role | undefined> {
      const u = await db.user.findUnique({ where: { name }, select: { role: true, disabledAt: true } });
      return u && !u.disabledAt ? asRole(u.role) : undefined;
    },
    async setRole(name: string, r: string): Promise<UserView> {
      const u = await db.user.update({ where: { name }, data: { role: role(r) } }).catch(() => undefined);
      if (!u) throw new UserError(`no user "${name}"`);
      return view(u);
    },
    async setDisabled(name: string, disabled: boolean): Promise<UserView> {
      const u = await db.user
        .update({ where: { name }, data: { disabledAt: disabled ? new Date() : null } })
        .catch(() => undefined);
      if (!u) throw new UserError(`no user "${name}"`);
      return view(u);
    },
    async setPassword(name: string, password: string): Promise<UserView> {
      checkPassword(password);
      const u = await db.user
        .update({ where: { name }, data: { passwordHash: await hashPassword(password) } })
        .catch(() => undefined);
      if (!u) throw new UserError(`no user "${name}"`);
      return view(u);
    },
    /** The user when name and password match an active user; always spends one scrypt. */
    async authenticate(name: string, password: string): Promise<UserView | undefined> {
      const u = await db.user.findUnique({ where: { name } });
      const ok = await verifyPassword(password, u?.passwordHash ?? (await dummyHash()));
      if (!u || !ok || u.disabledAt) return undefined;
      await db.user.update({ where: { id: u.id }, data: { lastLoginAt: new Date() } });
      return view(u);
    },
  };
}

export type Users = ReturnType<typeof createUsers>;
