// The catalogue page: the active mappings of a store, CSV export, import with a dry-run diff
// (nothing changes until Publish), and the history with rollback.
import { html } from './html';
import { consoleNav } from './store-views';
import { page, type Flash } from './views';
import type { CatalogDiff, CatalogLineError, CatalogRow } from '../../catalog/catalog';

export interface CatalogPageData {
  user: string;
  csrf: string;
  stores: string[];
  storeId: string;
  rows: CatalogRow[];
  history: {
    version: number;
    added: number;
    changed: number;
    retired: number;
    publishedBy: string;
    publishedAt: Date;
    note: string | null;
    restoredFrom: number | null;
  }[];
  canChange: boolean;
  flash?: Flash;
  /** After "Preview": the diff (or the line errors) and the CSV to publish. */
  preview?: { csv: string; diff?: CatalogDiff; errors?: CatalogLineError[] };
}

const DIFF_STYLE = html`<style>
  tr.added td {
    background: #e8f6ec;
  }
  tr.changed td {
    background: #fff7e0;
  }
  tr.retired td {
    background: #fdecec;
    text-decoration: line-through;
  }
</style>`;

const cells = (r: CatalogRow) =>
  html`<td>${r.sku}</td>
    <td>${r.supplier}</td>
    <td>${r.supplierProduct}</td>
    <td>${r.region}</td>
    <td>${r.currency}</td>
    <td>${r.denomination}</td>
    <td>${r.price}</td>`;
const HEAD = html`<tr>
  <th>SKU</th>
  <th>Supplier</th>
  <th>Supplier product</th>
  <th>Region</th>
  <th>Currency</th>
  <th>Denomination</th>
  <th>Price</th>
</tr>`;

export function catalogPage(d: CatalogPageData): string {
  const hidden = html`<input type="hidden" name="csrf" value="${d.csrf}" />`;
  const p = d.preview;
  return page(
    `Catalogue ${d.storeId}`,
    html`${consoleNav(d.user, d.csrf)}${DIFF_STYLE}
      <h1>SKU catalogue of ${d.storeId}</h1>
      <form method="get" action="/admin/catalog">
        <label for="store">Store</label>
        <select id="store" name="store">
          ${d.stores.map((s) => html`<option value="${s}" ${s === d.storeId ? 'selected' : ''}>${s}</option>`)}
        </select>
        <button type="submit">show</button>
        · <a id="export" href="/admin/catalog/${d.storeId}/export.csv">export CSV</a>
      </form>
      ${
        d.flash
          ? html`<p class="flash ${d.flash.kind}" role="${d.flash.kind === 'error' ? 'alert' : 'status'}">
              ${d.flash.text}
            </p>`
          : ''
      }
      ${
        p?.errors?.length
          ? html`<table id="csv-errors">
              <tr>
                <th>Line</th>
                <th>Problem</th>
              </tr>
              ${p.errors.map(
                (e) =>
                  html`<tr>
                    <td>${e.line}</td>
                    <td>${e.message}</td>
                  </tr>`,
              )}
            </table>`
          : ''
      }
      ${
        p?.diff
          ? html`<section id="diff">
              <h2>
                Dry run: ${p.diff.added.length} added, ${p.diff.changed.length} changed,
                ${p.diff.retired.length} retired, ${p.diff.unchanged} unchanged
              </h2>
              <table>
                ${HEAD}
                ${p.diff.added.map(
                  (r) =>
                    html`<tr class="added" data-sku="${r.sku}">
                      ${cells(r)}
                    </tr>`,
                )}
                ${p.diff.changed.map(
                  (c) =>
                    html`<tr class="changed" data-sku="${c.after.sku}">
                        ${cells(c.after)}
                      </tr>
                      <tr class="muted">
                        <td colspan="7">was: ${c.fields.map((f) => html`${f} ${c.before[f]} `)}</td>
                      </tr>`,
                )}
                ${p.diff.retired.map(
                  (r) =>
                    html`<tr class="retired" data-sku="${r.sku}">
                      ${cells(r)}
                    </tr>`,
                )}
              </table>
              ${
                d.canChange
                  ? html`<form method="post" action="/admin/catalog/${d.storeId}/publish">
                      ${hidden}<input type="hidden" name="csv" value="${p.csv}" />
                      <label for="note">Note</label>
                      <input id="note" name="note" type="text" maxlength="200" />
                      <button type="submit" id="publish">Publish as a new version</button>
                    </form>`
                  : ''
              }
            </section>`
          : ''
      }
      <h2>Import</h2>
      <form method="post" action="/admin/catalog/${d.storeId}/preview">
        ${hidden}
        <label for="csv"
          >CSV (header: sku,supplier,supplier_product,region,currency,denomination,price)</label
        >
        <textarea id="csv" name="csv" rows="8" spellcheck="false">${p?.csv ?? ''}</textarea>
        <p><button type="submit" id="preview">Preview (dry run)</button></p>
      </form>
      <h2>Active (${d.rows.length})</h2>
      <table id="active">
        ${HEAD}
        ${d.rows.map(
          (r) =>
            html`<tr data-sku="${r.sku}">
              ${cells(r)}
            </tr>`,
        )}
      </table>
      <h2>History</h2>
      <table id="history">
        <tr>
          <th>Version</th>
          <th>Published</th>
          <th>By</th>
          <th>Added / changed / retired</th>
          <th>Note</th>
          <th></th>
        </tr>
        ${d.history.map(
          (h, i) =>
            html`<tr data-version="${h.version}">
              <td>v${h.version}</td>
              <td>${h.publishedAt.toISOString()}</td>
              <td>${h.publishedBy}</td>
              <td>${h.added} / ${h.changed} / ${h.retired}</td>
              <td>${h.note ?? ''}</td>
              <td>
                ${
                  d.canChange && i > 0
                    ? html`<form method="post" action="/admin/catalog/${d.storeId}/rollback">
                        ${hidden}<input type="hidden" name="version" value="${h.version}" />
                        <button type="submit">roll back to v${h.version}</button>
                      </form>`
                    : ''
                }
              </td>
            </tr>`,
        )}
      </table>`,
  );
}
