// `npm run ops -- user ...`: named people of the console. `user add` creates the first admin;
// the password is read from standard input, or generated and printed once (the only secret this
// tool ever prints, because the person needs it).
import { generatePassword } from '../../users/password';
import { createUsers } from '../../users/users';
import { str, terminalUser, UsageError } from '../args';
import type { Command, Ctx, Values } from '../command';

const USAGE = `  user add <name> --role viewer|operator|admin                     (password on stdin, or one is generated and printed once)
  user list | user role <name> --role R | user disable|enable <name> | user password <name> (stdin, or generated)`;

async function run(ctx: Ctx, positionals: string[], opts: Values) {
  const by = str(opts.by) ?? terminalUser();
  const users = createUsers(ctx.db());
  const [sub, name] = positionals;
  const role = typeof opts.role === 'string' ? opts.role : '';
  const needName = () => {
    if (!name) throw new UsageError('name the user');
    return name;
  };
  const password = async () => {
    const given = await ctx.stdin();
    return given ? { password: given, generated: false } : { password: generatePassword(), generated: true };
  };
  switch (sub) {
    case 'list': {
      const all = await users.list();
      return ctx.out(
        all.map((u) => `${u.name}  ${u.role}  ${u.disabled ? 'DISABLED' : 'active'}`).join('\n') ||
          'no users',
        all,
      );
    }
    case 'add': {
      if (!role) throw new UsageError('--role viewer|operator|admin is required');
      const p = await password();
      const u = await users.add(needName(), role, p.password, by);
      return ctx.out(
        `user ${u.name} added as ${u.role}.` +
          (p.generated ? `\ninitial password (shown once): ${p.password}` : ' Password set from stdin.'),
        { ...u, ...(p.generated ? { password: p.password } : {}) },
      );
    }
    case 'role': {
      if (!role) throw new UsageError('--role viewer|operator|admin is required');
      const u = await users.setRole(needName(), role);
      return ctx.out(`user ${u.name} is now ${u.role}.`, u);
    }
    case 'disable':
    case 'enable': {
      const u = await users.setDisabled(needName(), sub === 'disable');
      return ctx.out(`user ${u.name} ${u.disabled ? 'disabled' : 'enabled'}.`, u);
    }
    case 'password': {
      const p = await password();
      const u = await users.setPassword(needName(), p.password);
      return ctx.out(
        p.generated
          ? `new password for ${u.name} (shown once): ${p.password}`
          : `password of ${u.name} changed.`,
        { ...u, ...(p.generated ? { password: p.password } : {}) },
      );
    }
    default:
      throw new UsageError('user add|list|role|disable|enable|password');
  }
}

export const user: Command = {
  name: 'user',
  usage: USAGE,
  options: { by: { type: 'string' }, role: { type: 'string' } },
  run: (ctx, { positionals, values }) => run(ctx, positionals, values),
};
