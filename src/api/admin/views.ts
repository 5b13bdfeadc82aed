// Server-rendered pages of the exceptions view. Plain HTML and CSS, no scripts.
import { html, type SafeHtml } from './html';
import type { ExceptionRow, ExceptionsView } from './exceptions';

const STYLE = html`<style>
  body {
    font:
      14px/1.4 system-ui,
      sans-serif;
    margin: 1.5rem;
    color: #1d2430;
    background: #f6f7f9;
  }
  h1 {
    font-size: 1.3rem;
    margin: 0 0 1rem;
  }
  h2 {
    font-size: 1.05rem;
    margin: 1.5rem 0 0.5rem;
  }
  header {
    display: flex;
    justify-content: space-between;
    align-items: baseline;
  }
  table {
    border-collapse: collapse;
    background: #fff;
    width: 100%;
  }
  th,
  td {
    border: 1px solid #d9dde3;
    padding: 0.35rem 0.5rem;
    text-align: left;
    vertical-align: top;
  }
  th {
    background: #eef0f3;
    font-weight: 600;
  }
  .counts td,
  .counts th {
    text-align: right;
  }
  .counts td:first-child,
  .counts th:first-child {
    text-align: left;
  }
  .tiles {
    display: flex;
    gap: 0.75rem;
    margin-bottom: 1rem;
  }
  .tile {
    background: #fff;
    border: 1px solid #d9dde3;
    padding: 0.5rem 0.9rem;
    min-width: 7rem;
  }
  .tile b {
    display: block;
    font-size: 1.4rem;
  }
  .flash {
    padding: 0.6rem 0.8rem;
    margin-bottom: 1rem;
    border: 1px solid;
  }
  .ok {
    background: #e8f6ec;
    border-color: #8bc79c;
  }
  .error {
    background: #fdecec;
    border-color: #e39a9a;
  }
  .reason {
    max-width: 22rem;
  }
  code {
    font-size: 12px;
  }
  .state {
    font-weight: 600;
  }
  .muted {
    color: #6b7280;
  }
  form.decide {
    display: grid;
    gap: 0.3rem;
    min-width: 16rem;
  }
  form.decide .buttons {
    display: flex;
    gap: 0.3rem;
    flex-wrap: wrap;
  }
  textarea,
  input[type='text'],
  input[type='password'] {
    font: inherit;
    width: 100%;
    box-sizing: border-box;
  }
  button {
    font: inherit;
    cursor: pointer;
  }
  .login {
    max-width: 22rem;
    margin: 4rem auto;
    background: #fff;
    padding: 1.5rem;
    border: 1px solid #d9dde3;
  }
  .login label {
    display: block;
    margin: 0.6rem 0 0.2rem;
  }
</style>`;

export function page(title: string, body: SafeHtml): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · cardbridge</title>
        ${STYLE}
      </head>
      <body>
        ${body}
      </body>
    </html>`.value;
}

export function loginPage(opts: { error?: string; name?: string } = {}): string {
  return page(
    'Sign in',
    html`<form class="login" method="post" action="/admin/login">
      <h1>cardbridge exceptions</h1>
      ${opts.error ? html`<p class="flash error" role="alert">${opts.error}</p>` : ''}
      <label for="name">Your name (recorded on every decision and change)</label>
      <input
        id="name"
        name="name"
        type="text"
        required
        maxlength="64"
        autocomplete="username"
        value="${opts.name ?? ''}"
      />
      <label for="token">Password (or the admin token, before any user exists)</label>
      <input id="token" name="token" type="password" required autocomplete="current-password" />
      <p><button type="submit">Sign in</button></p>
    </form>`,
  );
}

export function age(since: Date, now = Date.now()): string {
  const s = Math.max(0, Math.floor((now - since.getTime()) / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

function deliveryState(row: ExceptionRow): SafeHtml {
  if (!row.lines.length) return html`<span class="muted">no lines recorded</span>`;
  return html`${row.lines.map(
    (l) =>
      html`<div data-line="${l.lineNo}">
        #${l.lineNo} <code>${l.sku}</code> ×${l.quantity}:
        <span class="state">${l.state}</span> ${l.delivered}/${l.quantity}
        ${l.masked.length ? html`<span class="muted">${l.masked.join(', ')}</span>` : ''}
      </div>`,
  )}`;
}

function actions(row: ExceptionRow, csrf: string): SafeHtml {
  if (row.kind !== 'review') {
    return html`<span class="muted"
      >Closed workflow: replay it with the ops command (see the runbook).</span
    >`;
  }
  const hint =
    row.missingLines.length > 1
      ? `One per row: "<line>: CODE [PIN]" (lines ${row.missingLines.join(', ')})`
      : 'One code per row: CODE or CODE PIN';
  return html`<form
    class="decide"
    method="post"
    action="/admin/orders/${encodeURIComponent(row.workflowId)}/decision"
  >
    <input type="hidden" name="csrf" value="${csrf}" />
    <input type="text" name="note" maxlength="500" placeholder="Note (optional)" aria-label="Note" />
    <div class="buttons">
      <button type="submit" name="action" value="retry">Retry</button>
      <button type="submit" name="action" value="refund">Refund</button>
      <button type="submit" name="action" value="cancel">Cancel</button>
    </div>
    <details>
      <summary>Mark delivered…</summary>
      <textarea
        name="codes"
        rows="3"
        autocomplete="off"
        spellcheck="false"
        aria-label="Codes"
        placeholder="${hint}"
      ></textarea>
      <button type="submit" name="action" value="markDelivered">Mark delivered</button>
    </details>
  </form>`;
}

export interface Flash {
  kind: 'ok' | 'error';
  text: string;
}

export function exceptionsPage(opts: {
  view: ExceptionsView;
  user: string;
  csrf: string;
  flash?: Flash;
  now?: number;
}): string {
  const { view, csrf } = opts;
  const now = opts.now ?? Date.now();
  const rows = view.rows;
  return page(
    'Exceptions',
    html`<nav>
        <a href="/admin/dashboard">Dashboard</a> · <a href="/admin">Exceptions</a> ·
        <a href="/admin/orders">Orders</a> · <a href="/admin/stores">Stores</a> ·
        <a href="/admin/catalog">Catalogue</a> ·
        <a href="/admin/users">Users</a>
      </nav>
      <header>
        <h1>Orders needing a person</h1>
        <form method="post" action="/admin/logout">
          <span class="muted">Signed in as ${opts.user}</span>
          <input type="hidden" name="csrf" value="${csrf}" /> <button type="submit">Sign out</button>
        </form>
      </header>
      ${opts.flash ? html`<p class="flash ${opts.flash.kind}" role="${opts.flash.kind === 'error' ? 'alert' : 'status'}">${opts.flash.text}</p>` : ''}
      <div class="tiles">
        <div class="tile" data-count="in-review"><b>${view.totals.inReview}</b>in review now</div>
        <div class="tile" data-count="pending"><b>${view.totals.pending}</b>pending (24h)</div>
        <div class="tile" data-count="retrying"><b>${view.totals.retrying}</b>retrying (24h)</div>
        <div class="tile" data-count="failed"><b>${view.totals.failed}</b>failed (24h)</div>
      </div>
      <h2>In review or failed (${rows.length})</h2>
      ${
        rows.length
          ? html`<table id="exceptions">
              <thead>
                <tr>
                  <th>Region</th>
                  <th>Order</th>
                  <th>Status</th>
                  <th>Delivery</th>
                  <th>Reason</th>
                  <th>Age</th>
                  <th>Decision</th>
                </tr>
              </thead>
              <tbody>
                ${rows.map(
                  (r) =>
                    html`<tr data-workflow-id="${r.workflowId}">
                      <td>${r.regions.join(', ') || '—'}</td>
                      <td>
                        <b>${r.orderId}</b><br /><span class="muted">${r.storeId}</span><br /><code
                          >${r.workflowId}</code
                        >
                      </td>
                      <td class="status">
                        <span class="state">${r.status}</span
                        >${r.live ? '' : html`<br /><span class="muted">(from database; workflow not answering)</span>`}
                      </td>
                      <td>${deliveryState(r)}</td>
                      <td class="reason"><code>${r.reasonCode}</code><br />${r.reason}</td>
                      <td title="${r.since.toISOString()}">${age(r.since, now)}</td>
                      <td>${actions(r, csrf)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p id="exceptions-empty">Nothing is waiting for a decision.</p>`
      }
      <h2>Per hour, last 24 hours (UTC)</h2>
      ${
        view.hours.length
          ? html`<table class="counts" id="per-hour">
              <thead>
                <tr>
                  <th>Hour</th>
                  <th>Pending</th>
                  <th>Retrying</th>
                  <th>Failed</th>
                </tr>
              </thead>
              <tbody>
                ${view.hours.map(
                  (h) =>
                    html`<tr>
                      <td>${h.hour.slice(0, 13).replace('T', ' ')}:00</td>
                      <td>${h.pending}</td>
                      <td>${h.retrying}</td>
                      <td>${h.failed}</td>
                    </tr>`,
                )}
              </tbody>
            </table>`
          : html`<p class="muted">No activity in the last 24 hours.</p>`
      }
      <p class="muted">
        Pending: paid and not finished. Retrying: retry decisions taken. Failed: orders held for a person.
      </p>`,
  );
}

export function messagePage(title: string, text: string): string {
  return page(
    title,
    html`<p class="flash error" role="alert">${text}</p>
      <p><a href="/admin">Back to exceptions</a></p>`,
  );
}
