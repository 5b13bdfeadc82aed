// The dashboard's chart: orders received per hour as stacked bars by outcome, drawn on the server
// as inline SVG (no script, nothing fetched; the console's CSP allows only inline styles). Every
// segment carries a <title> (the browser's tooltip, read by screen readers) and data-* attributes.
import { html, type SafeHtml } from './html';
import type { HourBucket, Outcome } from './dashboard-queries';

/** Bottom to top; the colours are the legend's (`.o-<outcome>` in the page's style). */
export const STACK: readonly { key: Outcome; label: string }[] = [
  { key: 'delivered', label: 'delivered' },
  { key: 'pending', label: 'pending' },
  { key: 'inReview', label: 'in review' },
  { key: 'failed', label: 'failed' },
];

const W = 1120;
const H = 300;
const M = { top: 14, right: 12, bottom: 44, left: 44 };

/** A round axis maximum and its step (1, 2, 2.5, 5 × 10^n; whole numbers), about four gridlines. */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 4) return { top: Math.max(1, max), step: 1 };
  const raw = max / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const factors = mag >= 10 ? [1, 2, 2.5, 5, 10] : [1, 2, 5, 10];
  const step = factors.map((f) => f * mag).find((s) => s >= raw)!;
  return { top: Math.ceil(max / step) * step, step };
}

const hourLabel = (hour: string) => `${hour.slice(11, 13)}:00`;
const dayLabel = (hour: string) => hour.slice(5, 10);

export function hourlyChart(buckets: readonly HourBucket[]): SafeHtml {
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const totals = buckets.map((b) => STACK.reduce((n, s) => n + b[s.key], 0));
  const { top, step } = niceScale(Math.max(0, ...totals));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const band = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, band * (buckets.length > 48 ? 0.8 : 0.66));
  // At most ~14 hour labels; always on a whole number of hours, and the day at midnight.
  const every = [1, 2, 3, 4, 6, 12, 24].find((k) => buckets.length / k <= 14) ?? 24;
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += step) ticks.push(v);
  const sum = totals.reduce((a, b) => a + b, 0);
  const first = buckets[0]?.hour ?? '';
  const last = buckets.at(-1)?.hour ?? '';

  return html`<svg
    id="hourly-chart"
    viewBox="0 0 ${W} ${H}"
    role="img"
    aria-labelledby="chart-title chart-desc"
    preserveAspectRatio="xMidYMid meet"
  >
    <title id="chart-title">Orders received per hour (UTC), by outcome</title>
    <desc id="chart-desc">
      ${sum} orders from ${first.replace('T', ' ')} to ${last.replace('T', ' ')}; each bar is one hour,
      stacked delivered, pending, in review, failed.
    </desc>
    <g class="grid">
      ${ticks.map(
        (v) =>
          html`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" /><text
              x="${M.left - 8}"
              y="${y(v) + 4}"
              text-anchor="end"
              >${v}</text
            >`,
      )}
    </g>
    <text
      class="axis-title"
      x="12"
      y="${M.top + plotH / 2}"
      transform="rotate(-90 12 ${M.top + plotH / 2})"
      text-anchor="middle"
    >
      orders
    </text>
    <g class="bars">
      ${buckets.map((b, i) => {
        const x = M.left + i * band + (band - barW) / 2;
        let base = 0;
        const total = totals[i]!;
        return html`<g data-hour="${b.hour}" data-total="${total}">
          ${STACK.filter((s) => b[s.key] > 0).map((s) => {
            const y0 = y(base);
            base += b[s.key];
            return html`<rect
              class="o-${s.key}"
              data-outcome="${s.key}"
              data-count="${b[s.key]}"
              x="${x.toFixed(1)}"
              y="${y(base).toFixed(1)}"
              width="${barW.toFixed(1)}"
              height="${(y0 - y(base)).toFixed(1)}"
              ><title>${b.hour.replace('T', ' ')}: ${b[s.key]} ${s.label} of ${total}</title></rect
            >`;
          })}
        </g>`;
      })}
    </g>
    <line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${y(0)}" y2="${y(0)}" />
    <g class="hours">
      ${buckets.map((b, i) => {
        const hourNo = Number(b.hour.slice(11, 13));
        if (hourNo % every !== 0) return '';
        const x = M.left + i * band + band / 2;
        const firstLabel = i < every;
        return html`<text x="${x.toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle"
            >${hourLabel(b.hour)}</text
          >${hourNo === 0 || firstLabel ? html`<text class="day" x="${x.toFixed(1)}" y="${H - M.bottom + 32}" text-anchor="middle">${dayLabel(b.hour)}</text>` : ''}`;
      })}
    </g>
  </svg>`;
}
