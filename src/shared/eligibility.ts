// Eligibility rules: pure and deterministic, run inside the workflow before any money moves.
import { formatMills, parseMills } from './money';
import { POOL_SOURCE, type LineSource, type OrderDetails, type Reason } from './contract';

export interface StoreSettings {
  /** Lines whose SKU starts with one of these carry a code; others (a mixed cart) are ignored. Empty = every line. */
  codeSkuPrefixes: string[];
  /** Risk/fraud flags that hold the order for a human. */
  blockedRiskFlags: string[];
  /** Payment methods allowed to buy codes; null allows any. */
  allowedPaymentMethods: string[] | null;
  /** Order currency the mapped prices are in; null skips the check. */
  currency: string | null;
  /** Absolute tolerance between what the customer paid for code lines and the mapped prices. */
  amountTolerance: string;
  /** Ask the storefront for the customer's platform account region and require it to match. */
  requireAccountRegion: boolean;
}

export const DEFAULT_STORE_SETTINGS: StoreSettings = {
  codeSkuPrefixes: [],
  blockedRiskFlags: ['fraud', 'chargeback', 'high_risk'],
  allowedPaymentMethods: null,
  currency: null,
  amountTolerance: '0.01',
  requireAccountRegion: false,
};

export interface SkuMappingView {
  sku: string;
  version: number;
  supplierProduct: string;
  region: string;
  currency: string;
  denomination: string;
  price: string;
  skuGroup: string;
  /** The mapping's single supplier (used when `routes` is empty). */
  supplier?: string;
  /** Suppliers in priority order with their product and maximum unit cost (empty: supplierProduct only). */
  routes?: { supplier: string; product: string; maxUnitCost?: string }[];
  /** off | pool_first | supplier_first | pool_only. */
  poolMode?: PoolMode;
}

export type PoolMode = 'off' | 'pool_first' | 'supplier_first' | 'pool_only';

export interface Catalog {
  settings: StoreSettings;
  /** Active mapping per storefront SKU (only SKUs asked for). */
  mappings: Record<string, SkuMappingView>;
}

export interface EligibleLine {
  lineNo: number;
  sku: string;
  quantity: number;
  mapping: SkuMappingView;
}

export interface EligibilityResult {
  /** Code lines with their mapping. */
  lines: EligibleLine[];
  /** Non-code lines in a mixed cart. */
  ignored: number[];
  /** Non-empty: hold for review (or stop when NOT_PAID). */
  reasons: Reason[];
}

/** "12.5" -> 1250. Decimal strings only; no floating point on money. */
export function toCents(amount: string): number {
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(amount.trim());
  if (!m) throw new Error(`not a money amount: ${amount}`);
  const cents = Number(m[2]) * 100 + Number((m[3] ?? '').padEnd(2, '0'));
  return m[1] ? -cents : cents;
}

export function fromCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function isCodeSku(settings: StoreSettings, sku: string): boolean {
  return settings.codeSkuPrefixes.length === 0 || settings.codeSkuPrefixes.some((p) => sku.startsWith(p));
}

export function checkEligibility(order: OrderDetails, catalog: Catalog): EligibilityResult {
  const { settings } = catalog;
  const reasons: Reason[] = [];
  const lines: EligibleLine[] = [];
  const ignored: number[] = [];

  if (!order.paid) {
    reasons.push({ code: 'NOT_PAID', message: 'The order is not paid, so no code may be bought for it.' });
  }
  const flagged = order.riskFlags.filter((f) => settings.blockedRiskFlags.includes(f));
  if (flagged.length) {
    reasons.push({
      code: 'RISK_FLAG',
      message: `The order carries risk flag(s) ${flagged.join(', ')}; a person must approve it.`,
    });
  }
  if (settings.allowedPaymentMethods && !settings.allowedPaymentMethods.includes(order.paymentMethod ?? '')) {
    reasons.push({
      code: 'PAYMENT_METHOD',
      message: `Payment method "${order.paymentMethod ?? 'none'}" is not allowed to buy codes in this store.`,
    });
  }
  if (settings.currency && order.currency !== settings.currency) {
    reasons.push({
      code: 'CURRENCY_MISMATCH',
      message: `The order is in ${order.currency} but this store's code prices are in ${settings.currency}.`,
    });
  }

  // What the storefront sent but could not become a normal order (a line without SKU, ...).
  for (const problem of order.problems ?? []) reasons.push(problem);

  let paidMills = 0;
  let expectedMills = 0;
  let unreadable: string | undefined;
  for (const line of order.lines) {
    if (!isCodeSku(settings, line.sku)) {
      ignored.push(line.lineNo);
      continue;
    }
    const mapping = catalog.mappings[line.sku];
    if (!mapping) {
      reasons.push({
        code: 'SKU_UNMAPPED',
        lineNo: line.lineNo,
        message: `SKU ${line.sku} has no active supplier product mapping.`,
      });
      continue;
    }
    if (settings.requireAccountRegion || order.accountRegion) {
      if (!order.accountRegion || order.accountRegion.toUpperCase() !== mapping.region.toUpperCase()) {
        reasons.push({
          code: 'REGION_MISMATCH',
          lineNo: line.lineNo,
          message: `SKU ${line.sku} is a ${mapping.region} card but the customer's account region is ${
            order.accountRegion ?? 'unknown'
          }; a ${mapping.region} code would not redeem.`,
        });
      }
    }
    const paid = parseMills(line.unitPrice);
    const expected = parseMills(mapping.price);
    if (paid === undefined || expected === undefined)
      unreadable ??= paid === undefined ? line.unitPrice : mapping.price;
    paidMills += (paid ?? 0) * line.quantity;
    expectedMills += (expected ?? 0) * line.quantity;
    lines.push({ lineNo: line.lineNo, sku: line.sku, quantity: line.quantity, mapping });
  }

  if (unreadable !== undefined) {
    reasons.push({
      code: 'AMOUNT_MISMATCH',
      message: `"${unreadable}" is not an amount cardbridge can read; a person must check the prices.`,
    });
  } else if (
    lines.length &&
    Math.abs(paidMills - expectedMills) > (parseMills(settings.amountTolerance) ?? 0)
  ) {
    reasons.push({
      code: 'AMOUNT_MISMATCH',
      message: `Code lines were paid ${formatMills(paidMills)} ${order.currency} but the mapped prices add up to ${formatMills(
        expectedMills,
      )} (tolerance ${settings.amountTolerance}).`,
    });
  }
  if (!lines.length && !reasons.length) {
    reasons.push({ code: 'NO_CODE_LINES', message: 'The order has no lines that carry a code.' });
  }
  return { lines, ignored, reasons };
}

/** Where a line's codes come from, in the order they are tried (see LineStatus.sources). */
export function lineSources(m: SkuMappingView): LineSource[] {
  const suppliers: LineSource[] = m.routes?.length
    ? m.routes.map((r) => ({ source: r.supplier, product: r.product, maxUnitCost: r.maxUnitCost }))
    : [{ source: m.supplier ?? '', product: m.supplierProduct }]; // '' = the default (first) supplier
  const pool: LineSource = { source: POOL_SOURCE };
  switch (m.poolMode ?? 'off') {
    case 'pool_first':
      return [pool, ...suppliers];
    case 'supplier_first':
      return [...suppliers, pool];
    case 'pool_only':
      return [pool];
    default:
      return suppliers;
  }
}
