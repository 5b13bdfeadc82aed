// The order search and the order page. Codes appear only masked.
import { html } from './html';
import { consoleNav } from './store-views';
import { page, type Flash } from './views';
import type { FulfillmentStatus } from '../../shared/contract';

export const PAGE_SIZE = 50;

export interface OrderSearch {
  store: string;
  order: string;
  status: string;
  sku: string;
  region: string;
  email: string;
  from: string;
  to: string;
  page: number;
}

interface OrderRow {
  storeId: string;
  externalOrderId: string;
  workflowId: string;
  status: string;
  region: string | null;
  currency: string;
  total: { toFixed(n: number): string };
  customerEmail: string | null;
  createdAt: Date;
  lines: { sku: string; quantity: number; delivered: number }[];
}

const link = (wf: string) => `/admin/orders/${encodeURIComponent(wf)}`;

export function ordersPage(d: {
  user: string;
  csrf: string;
  search: OrderSearch;
  total: number;
  orders: OrderRow[];
}): string {
  const s = d.search;
  const input = (name: keyof OrderSearch, label: string, type = 'text') =>
    html`<label
      >${label} <input name="${name}" id="q-${name}" type="${type}" value="${String(s[name] || '')}"
    /></label> `;
  const pages = Math.max(1, Math.ceil(d.total / PAGE_SIZE));
  const pageLink = (p: number) => {
    const qs = new URLSearchParams(
      Object.entries({ ...s, page: String(p) }).filter(([, v]) => v !== '') as [string, string][],
    );
    return `/admin/orders?${qs.toString()}`;
  };
  return page(
    'Orders',
    html`${consoleNav(d.user, d.csrf)}
      <h1>Orders</h1>
      <form method="get" action="/admin/orders" class="search">
        ${input('store', 'Store')}${input('order', 'Order id')}${input('status', 'Status')}${input('sku', 'SKU')}
        ${input('region', 'Region')}${input('email', 'Customer email')}${input('from', 'From', 'date')}${input('to', 'To', 'date')}
        <button type="submit" id="search">Search</button>
      </form>
      <p id="result-count">${d.total} order${d.total === 1 ? '' : 's'}; page ${s.page} of ${pages}</p>
      <table id="orders">
        <tr>
          <th>Created</th>
          <th>Store</th>
          <th>Order</th>
          <th>Status</th>
          <th>Region</th>
          <th>Lines</th>
          <th>Total</th>
          <th>Customer</th>
        </tr>
        ${d.orders.map(
          (o) =>
            html`<tr data-workflow-id="${o.workflowId}">
              <td>${o.createdAt.toISOString()}</td>
              <td>${o.storeId}</td>
              <td><a href="${link(o.workflowId)}">${o.externalOrderId}</a></td>
              <td class="state">${o.status}</td>
              <td>${o.region ?? '—'}</td>
              <td>${o.lines.map((l) => html`${l.sku} ×${l.quantity} (${l.delivered} delivered)<br />`)}</td>
              <td>${o.total.toFixed(2)} ${o.currency}</td>
              <td>${o.customerEmail ?? '—'}</td>
            </tr>`,
        )}
      </table>
      <p>
        ${s.page > 1 ? html`<a id="prev" href="${pageLink(s.page - 1)}">← newer</a>` : ''}
        ${s.page < pages ? html`<a id="next" href="${pageLink(s.page + 1)}">older →</a>` : ''}
      </p>`,
  );
}

interface OrderDetail extends OrderRow {
  channel: string;
  paymentMethod: string | null;
  paidAt: Date | null;
  deliveredAt: Date | null;
  events: { createdAt: Date; type: string; status: string; lineNo: number | null; details: unknown }[];
  reviews: {
    createdAt: Date;
    reasonCode: string;
    reason: string;
    status: string;
    decision: string | null;
    decidedBy: string | null;
    decidedAt: Date | null;
    note: string | null;
  }[];
  notifications: {
    sentAt: Date;
    channel: string;
    template: string;
    status: string;
    requestedBy: string | null;
    error: string | null;
  }[];
  codes: { lineNo: number; unitIndex: number; masked: string }[];
}

export function orderPage(d: {
  user: string;
  csrf: string;
  order: OrderDetail;
  workflow: FulfillmentStatus | string;
  canResend: boolean;
  flash?: Flash;
}): string {
  const o = d.order;
  type Item = { at: Date; kind: string; text: string };
  const timeline: Item[] = [
    ...o.events.map((e) => ({
      at: e.createdAt,
      kind: 'event',
      text: `${e.type} → ${e.status}${e.lineNo ? ` (line ${e.lineNo})` : ''}`,
    })),
    ...o.reviews.flatMap((r) => [
      { at: r.createdAt, kind: 'review', text: `held: ${r.reasonCode}: ${r.reason}` },
      ...(r.decidedAt
        ? [
            {
              at: r.decidedAt,
              kind: 'decision',
              text: `${r.decision ?? ''} by ${r.decidedBy ?? '?'}${r.note ? ` (${r.note})` : ''}`,
            },
          ]
        : []),
    ]),
    ...o.notifications.map((n) => ({
      at: n.sentAt,
      kind: 'notice',
      text: `${n.channel} ${n.template}: ${n.status}${n.requestedBy ? ` (asked by ${n.requestedBy})` : ''}${n.error ? ` — ${n.error}` : ''}`,
    })),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  const wf = d.workflow;
  return page(
    `Order ${o.externalOrderId}`,
    html`${consoleNav(d.user, d.csrf)}
      <h1>Order ${o.externalOrderId} <span class="muted">${o.storeId} · ${o.workflowId}</span></h1>
      ${d.flash ? html`<p class="flash ${d.flash.kind}" role="${d.flash.kind === 'error' ? 'alert' : 'status'}">${d.flash.text}</p>` : ''}
      <table id="order-facts">
        <tr>
          <th>Status (database)</th>
          <td class="state">${o.status}</td>
        </tr>
        <tr>
          <th>Workflow state</th>
          <td id="workflow-state">${typeof wf === 'string' ? wf : wf.state}</td>
        </tr>
        <tr>
          <th>Channel / payment</th>
          <td>${o.channel} / ${o.paymentMethod ?? '—'}</td>
        </tr>
        <tr>
          <th>Total</th>
          <td>${o.total.toFixed(2)} ${o.currency}</td>
        </tr>
        <tr>
          <th>Customer</th>
          <td>${o.customerEmail ?? '—'}</td>
        </tr>
        <tr>
          <th>Paid / delivered</th>
          <td>${o.paidAt?.toISOString() ?? '—'} / ${o.deliveredAt?.toISOString() ?? '—'}</td>
        </tr>
      </table>
      <h2>Lines and codes (masked)</h2>
      <table id="lines">
        <tr>
          <th>Line</th>
          <th>SKU</th>
          <th>Quantity</th>
          <th>Delivered</th>
          <th>Codes</th>
        </tr>
        ${o.lines.map(
          (l, i) =>
            html`<tr>
              <td>${i + 1}</td>
              <td>${l.sku}</td>
              <td>${l.quantity}</td>
              <td>${l.delivered}</td>
              <td>
                ${o.codes.filter((c) => c.lineNo === i + 1).map((c) => html`<code>${c.masked}</code> `)}
              </td>
            </tr>`,
        )}
      </table>
      ${
        d.canResend
          ? html`<form method="post" action="/admin/orders/${encodeURIComponent(o.workflowId)}/resend">
              <input type="hidden" name="csrf" value="${d.csrf}" />
              <button type="submit" id="resend">Resend the codes email</button>
            </form>`
          : ''
      }
      ${
        typeof wf !== 'string' && wf.reasons.length
          ? html`<h2>Why it is held</h2>
              <ul>
                ${wf.reasons.map((r) => html`<li>${r.code}: ${r.message}</li>`)}
              </ul>`
          : ''
      }
      <h2>Timeline</h2>
      <table id="timeline">
        <tr>
          <th>When</th>
          <th>What</th>
          <th></th>
        </tr>
        ${timeline.map(
          (t) =>
            html`<tr class="${t.kind}">
              <td>${t.at.toISOString()}</td>
              <td>${t.kind}</td>
              <td>${t.text}</td>
            </tr>`,
        )}
      </table>`,
  );
}
