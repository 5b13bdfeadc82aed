// The dashboard page (/admin/dashboard): headline tiles, the hourly chart, the per-store table and
// the numbers behind the chart. Plain HTML, CSS and inline SVG; every value escaped.
import { html, type SafeHtml } from './html';
import { hourlyChart, STACK } from './dashboard-chart';
import { WINDOWS, type Dashboard, type StoreSummary, type WindowName } from './dashboard-queries';
import { consoleNav } from './store-views';
import { page } from './views';

const STYLE = html`<style>
  .dash-head {
    display: flex;
    justify-content: space-between;
    align-items: flex-end;
    gap: 1rem;
    flex-wrap: wrap;
    margin: 0.5rem 0 1rem;
  }
  .dash-head h1 {
    margin: 0;
  }
  form.filters {
    display: flex;
    gap: 0.6rem;
    align-items: center;
  }
  form.filters select,
  form.filters button {
    font: inherit;
    padding: 0.2rem 0.4rem;
  }
  .kpis {
    display: grid;
    grid-template-columns: repeat(4, minmax(0, 1fr));
    gap: 0.75rem;
    margin-bottom: 0.75rem;
  }
  .kpis.outcomes {
    margin-bottom: 1.25rem;
  }
  .kpi {
    background: #fff;
    border: 1px solid #d9dde3;
    border-radius: 6px;
    padding: 0.7rem 0.9rem;
  }
  .kpi .label {
    color: #4b5563;
    font-size: 0.85rem;
  }
  .kpi b {
    display: block;
    font-size: 1.9rem;
    line-height: 1.2;
    font-variant-numeric: tabular-nums;
  }
  .kpi .sub {
    color: #6b7280;
    font-size: 0.8rem;
  }
  .outcomes .kpi {
    border-left-width: 6px;
  }
  .outcomes .kpi b {
    font-size: 1.5rem;
  }
  .card {
    background: #fff;
    border: 1px solid #d9dde3;
    border-radius: 6px;
    padding: 0.8rem 1rem 0.4rem;
    margin-bottom: 1.25rem;
  }
  .card h2 {
    margin: 0 0 0.4rem;
    display: flex;
    justify-content: space-between;
    align-items: baseline;
  }
  .legend {
    display: flex;
    gap: 1rem;
    font-size: 0.85rem;
    font-weight: 400;
  }
  .legend i {
    display: inline-block;
    width: 0.8rem;
    height: 0.8rem;
    border-radius: 2px;
    margin-right: 0.3rem;
    vertical-align: -0.1rem;
  }
  #hourly-chart {
    width: 100%;
    height: auto;
    display: block;
  }
  #hourly-chart .grid line {
    stroke: #e5e7eb;
  }
  #hourly-chart .axis {
    stroke: #9ca3af;
  }
  #hourly-chart text {
    font-size: 12px;
    fill: #4b5563;
  }
  #hourly-chart text.day {
    fill: #111827;
    font-weight: 600;
  }
  #hourly-chart rect:hover {
    opacity: 0.8;
  }
  .o-delivered {
    fill: #2f9e44;
    background: #2f9e44;
    border-left-color: #2f9e44 !important;
  }
  .o-pending {
    fill: #4c6ef5;
    background: #4c6ef5;
    border-left-color: #4c6ef5 !important;
  }
  .o-inReview {
    fill: #f59f00;
    background: #f59f00;
    border-left-color: #f59f00 !important;
  }
  .o-failed {
    fill: #e03131;
    background: #e03131;
    border-left-color: #e03131 !important;
  }
  .kpi.o-delivered,
  .kpi.o-pending,
  .kpi.o-inReview,
  .kpi.o-failed {
    background: #fff;
  }
  table.num td,
  table.num th {
    text-align: right;
    font-variant-numeric: tabular-nums;
  }
  table.num td:first-child,
  table.num th:first-child,
  table.num td.text {
    text-align: left;
  }
  details summary {
    cursor: pointer;
    margin: 0.5rem 0;
  }
</style>`;

export function formatRate(perMinute: number): string {
  if (perMinute === 0) return '0';
  if (perMinute < 0.1) return perMinute.toFixed(3);
  if (perMinute < 10) return perMinute.toFixed(2);
  return perMinute.toFixed(1);
}

export function formatRatio(r: number | null): string {
  return r === null ? '—' : `${(r * 100).toFixed(1)}%`;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

const WINDOW_LABEL: Record<WindowName, string> = {
  '6h': 'last 6 hours',
  '24h': 'last 24 hours',
  '7d': 'last 7 days',
};

function kpi(id: string, label: string, value: string, sub: string, cls = ''): SafeHtml {
  return html`<div class="kpi ${cls}" data-kpi="${id}">
    <span class="label">${label}</span><b>${value}</b><span class="sub">${sub}</span>
  </div>`;
}

const link = (w: WindowName, store: string | null) =>
  `/admin/dashboard?${new URLSearchParams({ window: w, ...(store ? { store } : {}) }).toString()}`;

function storeRow(s: StoreSummary, w: WindowName): SafeHtml {
  return html`<tr data-store="${s.store ?? ''}">
    <td class="text">${s.store ? html`<a href="${link(w, s.store)}">${s.store}</a>` : html`<b>all</b>`}</td>
    <td>${s.received}</td>
    <td>${formatRate(s.ordersPerMinute)}</td>
    <td>${formatRate(s.lastHourPerMinute)}</td>
    <td>${formatRatio(s.successRatio)}</td>
    <td>${formatDuration(s.medianDeliverySeconds)}</td>
    <td>${formatDuration(s.p90DeliverySeconds)}</td>
    <td>${s.delivered}</td>
    <td>${s.pending}</td>
    <td>${s.inReview}</td>
    <td>${s.failed}</td>
  </tr>`;
}

export function dashboardPage(d: {
  user: string;
  csrf: string;
  view: Dashboard;
  /** Every store, for the filter. */
  storeIds: string[];
}): string {
  const v = d.view;
  const t = v.total;
  const finished = t.delivered + t.failed;
  const asOf = `${v.now.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return page(
    'Dashboard',
    html`${consoleNav(d.user, d.csrf)}${STYLE}
      <div class="dash-head">
        <div>
          <h1>Dashboard</h1>
          <span class="muted" id="scope"
            >${WINDOW_LABEL[v.window]} · ${v.store ?? 'all stores'} · as of ${asOf}</span
          >
        </div>
        <form class="filters" method="get" action="/admin/dashboard">
          <label
            >Window
            <select name="window" id="window">
              ${(Object.keys(WINDOWS) as WindowName[]).map(
                (w) =>
                  html`<option value="${w}" ${w === v.window ? 'selected' : ''}>${WINDOW_LABEL[w]}</option>`,
              )}
            </select></label
          >
          <label
            >Store
            <select name="store" id="store">
              <option value="">all stores</option>
              ${d.storeIds.map(
                (id) => html`<option value="${id}" ${id === v.store ? 'selected' : ''}>${id}</option>`,
              )}
            </select></label
          >
          <button type="submit" id="show">Show</button>
        </form>
      </div>
      <div class="kpis">
        ${kpi('orders-per-minute', 'Orders / min', formatRate(t.ordersPerMinute), `${t.received} orders, ${WINDOW_LABEL[v.window]}`)}
        ${kpi('last-hour-per-minute', 'Orders / min, last hour', formatRate(t.lastHourPerMinute), `${t.receivedLastHour} orders in the last 60 min`)}
        ${kpi('success-ratio', 'Success ratio', formatRatio(t.successRatio), finished ? `${t.delivered} of ${finished} finished were delivered` : 'nothing finished yet')}
        ${kpi('median-delivery', 'Median paid → delivered', formatDuration(t.medianDeliverySeconds), `90th percentile ${formatDuration(t.p90DeliverySeconds)}`)}
      </div>
      <div class="kpis outcomes">
        ${STACK.map((s) =>
          kpi(
            s.key,
            s.label[0]!.toUpperCase() + s.label.slice(1),
            String(t[s.key]),
            `orders of this window`,
            `o-${s.key}`,
          ),
        )}
      </div>
      <section class="card">
        <h2>
          Orders received per hour (UTC)
          <span class="legend">
            ${STACK.map((s) => html`<span><i class="o-${s.key}"></i>${s.label}</span>`)}
          </span>
        </h2>
        ${hourlyChart(v.buckets)}
        ${t.received ? '' : html`<p class="muted" id="no-orders">No orders in this window.</p>`}
      </section>
      <h2>Per store</h2>
      <table class="num" id="per-store">
        <thead>
          <tr>
            <th>Store</th>
            <th>Orders</th>
            <th>Orders / min</th>
            <th>Last hour / min</th>
            <th>Success</th>
            <th>Median delivery</th>
            <th>p90</th>
            <th>Delivered</th>
            <th>Pending</th>
            <th>In review</th>
            <th>Failed</th>
          </tr>
        </thead>
        <tbody>
          ${v.stores.map((s) => storeRow(s, v.window))} ${v.stores.length > 1 ? storeRow(t, v.window) : ''}
        </tbody>
      </table>
      <details>
        <summary>Per hour and store (${v.rows.length} rows with activity)</summary>
        <table class="num" id="per-hour">
          <thead>
            <tr>
              <th>Hour (UTC)</th>
              <th>Store</th>
              <th>Delivered</th>
              <th>Pending</th>
              <th>In review</th>
              <th>Failed</th>
              <th>Retry decisions</th>
            </tr>
          </thead>
          <tbody>
            ${v.rows.map(
              (r) =>
                html`<tr>
                  <td>${r.hour.slice(0, 13).replace('T', ' ')}:00</td>
                  <td class="text">${r.store}</td>
                  <td>${r.delivered}</td>
                  <td>${r.pending}</td>
                  <td>${r.inReview}</td>
                  <td>${r.failed}</td>
                  <td>${r.retries}</td>
                </tr>`,
            )}
          </tbody>
        </table>
      </details>
      <p class="muted">
        Every figure is about the orders received (paid) in the window, each counted once in the hour it was
        received, by its status now: <i>pending</i> still on its way, <i>in review</i> held for a person,
        <i>failed</i> refunded, cancelled or never paid. Success ratio: delivered ÷ (delivered + failed).
        Delivery time: paid → delivered. Orders with nothing to deliver (skipped) are left out. Retry
        decisions count in the hour they were taken.
      </p>`,
  );
}
