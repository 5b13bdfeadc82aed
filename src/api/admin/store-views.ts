// Server-rendered pages of the store console (/admin/stores). Secrets appear only masked (…last4).
import { html, type SafeHtml } from './html';
import { page, type Flash } from './views';
import type { StoreView } from '../../stores/service';
import { WEBHOOK_PROVIDERS } from '../../stores/secrets';

const PLATFORMS = ['woocommerce', 'magento', 'headless'] as const;

const STYLE = html`<style>
  .columns {
    display: grid;
    grid-template-columns: minmax(18rem, 1fr) minmax(22rem, 1.4fr);
    gap: 2rem;
  }
  form.store label,
  section label {
    display: block;
    margin: 0.5rem 0 0.15rem;
  }
  select,
  input {
    font: inherit;
  }
  form.inline {
    display: inline-flex;
    gap: 0.3rem;
    margin: 0 0.6rem 0.3rem 0;
    align-items: center;
  }
  form.store {
    max-width: 36rem;
  }
</style>`;

export function consoleNav(user: string, csrf: string): SafeHtml {
  return html`${STYLE}
    <header>
      <nav>
        <a href="/admin/dashboard">Dashboard</a> · <a href="/admin">Exceptions</a> ·
        <a href="/admin/orders">Orders</a> · <a href="/admin/stores">Stores</a> ·
        <a href="/admin/catalog">Catalogue</a> ·
        <a href="/admin/users">Users</a>
      </nav>
      <form method="post" action="/admin/logout">
        <span class="muted">Signed in as ${user}</span>
        <input type="hidden" name="csrf" value="${csrf}" /> <button type="submit">Sign out</button>
      </form>
    </header>`;
}

function flashOf(flash?: Flash): SafeHtml | string {
  return flash
    ? html`<p class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">
        ${flash.text}
      </p>`
    : '';
}

export function storesPage(opts: { stores: StoreView[]; user: string; csrf: string; flash?: Flash }): string {
  return page(
    'Stores',
    html`${consoleNav(opts.user, opts.csrf)}
      <h1>Stores</h1>
      ${flashOf(opts.flash)}
      <table id="stores">
        <thead>
          <tr>
            <th>Store</th>
            <th>Platform</th>
            <th>Storefront</th>
            <th>Webhook secrets</th>
            <th>Pay'nUp</th>
            <th>State</th>
            <th>Last change</th>
          </tr>
        </thead>
        <tbody>
          ${opts.stores.map(
            (s) =>
              html`<tr data-store-id="${s.id}">
                <td><a href="/admin/stores/${s.id}">${s.id}</a><br /><span class="muted">${s.name}</span></td>
                <td>${s.platform}</td>
                <td>${s.storefrontUrl ?? '—'}</td>
                <td>${WEBHOOK_PROVIDERS.map((p) => html`${p}: ${s.secrets[p].length}<br />`)}</td>
                <td>${s.secrets.paynup ? s.secrets.paynup.apiId : '—'}</td>
                <td class="state">${s.disabled ? 'disabled' : 'active'}</td>
                <td>
                  ${s.updatedBy ?? '—'}
                  ${s.updatedAt ? html`<br /><span class="muted">${s.updatedAt.toISOString()}</span>` : ''}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
      <h2>New store</h2>
      ${storeForm({ csrf: opts.csrf })}`,
  );
}

function storeForm(opts: { csrf: string; store?: StoreView }): SafeHtml {
  const s = opts.store;
  return html`<form class="store" method="post" action="/admin/stores${s ? `/${s.id}` : ''}">
    <input type="hidden" name="csrf" value="${opts.csrf}" />
    ${
      s
        ? ''
        : html`<label for="id">Store id (lowercase letters, digits, "-")</label>
            <input id="id" name="id" type="text" required maxlength="40" pattern="[a-z0-9][a-z0-9-]*" />`
    }
    <label for="name">Name</label>
    <input id="name" name="name" type="text" required maxlength="120" value="${s?.name ?? ''}" />
    <label for="platform">Platform</label>
    <select id="platform" name="platform">
      ${PLATFORMS.map((p) => html`<option value="${p}" ${s?.platform === p ? 'selected' : ''}>${p}</option>`)}
    </select>
    <label for="storefrontUrl">Storefront URL</label>
    <input id="storefrontUrl" name="storefrontUrl" type="text" value="${s?.storefrontUrl ?? ''}" />
    <label for="allowedPaymentMethods"
      >Payment methods allowed to buy codes (comma-separated; empty = any)</label
    >
    <input
      id="allowedPaymentMethods"
      name="allowedPaymentMethods"
      type="text"
      value="${(s?.allowedPaymentMethods ?? []).join(',')}"
    />
    <label for="amountTolerance">Amount tolerance</label>
    <input id="amountTolerance" name="amountTolerance" type="text" value="${s?.amountTolerance ?? '0.01'}" />
    <label for="regions">Regions (comma-separated, e.g. US,GB)</label>
    <input id="regions" name="regions" type="text" value="${(s?.regions ?? []).join(',')}" />
    <label for="codeSkuPrefixes">SKU prefixes of code lines (comma-separated; empty = every line)</label>
    <input
      id="codeSkuPrefixes"
      name="codeSkuPrefixes"
      type="text"
      value="${(s?.codeSkuPrefixes ?? []).join(',')}"
    />
    <p><button type="submit" id="save-store">${s ? 'Save' : 'Create store'}</button></p>
  </form>`;
}

export function storePage(opts: { store: StoreView; user: string; csrf: string; flash?: Flash }): string {
  const { store: s, csrf } = opts;
  const hidden = html`<input type="hidden" name="csrf" value="${csrf}" />`;
  return page(
    `Store ${s.id}`,
    html`${consoleNav(opts.user, csrf)}
      <h1>Store ${s.id} <span class="muted">(${s.disabled ? 'disabled' : 'active'})</span></h1>
      ${flashOf(opts.flash)}
      <div class="columns">
        <section>
          <h2>Settings</h2>
          ${storeForm({ csrf, store: s })}
          <form method="post" action="/admin/stores/${s.id}/${s.disabled ? 'enable' : 'disable'}">
            ${hidden}<button type="submit" id="toggle-store">
              ${s.disabled ? 'Enable the store' : 'Disable the store'}
            </button>
          </form>
        </section>
        <section>
          <h2>Webhook secrets</h2>
          <p class="muted">
            Rotation: add the new secret, switch the sender over, then retire the old one. Both verify
            meanwhile.
          </p>
          <table id="secrets">
            ${WEBHOOK_PROVIDERS.map(
              (p) =>
                html`<tr data-provider="${p}">
                  <th>${p}</th>
                  <td>
                    ${s.secrets[p].map(
                      (m) =>
                        html`<form class="inline" method="post" action="/admin/stores/${s.id}/secrets/retire">
                          ${hidden}<input type="hidden" name="provider" value="${p}" /><input
                            type="hidden"
                            name="masked"
                            value="${m}"
                          />
                          <code>${m}</code> <button type="submit">retire</button>
                        </form>`,
                    )}
                    <form method="post" action="/admin/stores/${s.id}/secrets/add">
                      ${hidden}<input type="hidden" name="provider" value="${p}" />
                      <input
                        type="password"
                        name="secret"
                        id="add-${p}"
                        autocomplete="off"
                        placeholder="new ${p} secret"
                      />
                      <button type="submit" id="add-${p}-button">add</button>
                    </form>
                  </td>
                </tr>`,
            )}
          </table>
          <p class="muted">
            Secrets set in STORE_WEBHOOK_SECRETS (environment) also verify and are not listed here.
          </p>
          <h2>Pay'nUp</h2>
          <form method="post" action="/admin/stores/${s.id}/paynup">
            ${hidden}
            <label for="paynupApiId">API id</label>
            <input id="paynupApiId" name="apiId" type="text" value="${s.secrets.paynup?.apiId ?? ''}" />
            <label for="paynupKey">Add an API key</label>
            <input id="paynupKey" name="addKey" type="password" autocomplete="off" />
            <p><button type="submit">Save Pay'nUp</button></p>
          </form>
          <p>Keys: ${s.secrets.paynup?.apiKeys.map((k) => html`<code>${k}</code> `) ?? '—'}</p>
          <h2>Storefront REST credentials</h2>
          <p>
            Now: ${s.secrets.rest ? html`${s.secrets.rest.kind} <code>${s.secrets.rest.masked}</code>` : '—'}
          </p>
          <form method="post" action="/admin/stores/${s.id}/rest">
            ${hidden}
            <label for="restKind">Kind</label>
            <select id="restKind" name="kind">
              <option value="woocommerce">WooCommerce consumer key/secret</option>
              <option value="callback">signed callback secret</option>
            </select>
            <label for="restKey">Consumer key (WooCommerce)</label>
            <input id="restKey" name="consumerKey" type="password" autocomplete="off" />
            <label for="restSecret">Consumer secret, or callback secret</label>
            <input id="restSecret" name="secret" type="password" autocomplete="off" />
            <p><button type="submit">Save credentials</button></p>
          </form>
        </section>
      </div>`,
  );
}
