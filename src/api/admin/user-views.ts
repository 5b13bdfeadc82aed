// The users page: who may sign in, with which role.
import { html } from './html';
import { consoleNav } from './store-views';
import { page, type Flash } from './views';
import { ROLES, type UserView } from '../../users/users';

export function usersPage(opts: { users: UserView[]; user: string; csrf: string; flash?: Flash }): string {
  const hidden = html`<input type="hidden" name="csrf" value="${opts.csrf}" />`;
  return page(
    'Users',
    html`${consoleNav(opts.user, opts.csrf)}
      <h1>Users</h1>
      ${
        opts.flash
          ? html`<p
              class="flash ${opts.flash.kind}"
              role="${opts.flash.kind === 'error' ? 'alert' : 'status'}"
            >
              ${opts.flash.text}
            </p>`
          : ''
      }
      <table id="users">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>State</th>
            <th>Created</th>
            <th>Last sign-in</th>
          </tr>
        </thead>
        <tbody>
          ${opts.users.map(
            (u) =>
              html`<tr data-user="${u.name}">
                <td>${u.name}</td>
                <td>
                  <form class="inline" method="post" action="/admin/users">
                    ${hidden}<input type="hidden" name="op" value="role" /><input
                      type="hidden"
                      name="name"
                      value="${u.name}"
                    />
                    <select name="role">
                      ${ROLES.map((r) => html`<option value="${r}" ${u.role === r ? 'selected' : ''}>${r}</option>`)}
                    </select>
                    <button type="submit">set</button>
                  </form>
                </td>
                <td>
                  <form class="inline" method="post" action="/admin/users">
                    ${hidden}<input
                      type="hidden"
                      name="op"
                      value="${u.disabled ? 'enable' : 'disable'}"
                    /><input type="hidden" name="name" value="${u.name}" />
                    ${u.disabled ? 'disabled' : 'active'}
                    <button type="submit">${u.disabled ? 'enable' : 'disable'}</button>
                  </form>
                </td>
                <td>${u.createdAt.toISOString()} by ${u.createdBy}</td>
                <td>${u.lastLoginAt?.toISOString() ?? '—'}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>Add a person</h2>
      <form class="store" method="post" action="/admin/users">
        ${hidden}<input type="hidden" name="op" value="add" />
        <label for="new-name">Name</label>
        <input id="new-name" name="name" type="text" required maxlength="64" />
        <label for="new-role">Role</label>
        <select id="new-role" name="role">
          ${ROLES.map((r) => html`<option value="${r}">${r}</option>`)}
        </select>
        <label for="new-password">Initial password (at least 12 characters; tell them out of band)</label>
        <input id="new-password" name="password" type="password" autocomplete="new-password" required />
        <p><button type="submit" id="add-user">Add</button></p>
      </form>`,
  );
}
