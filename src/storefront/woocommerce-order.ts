// A WooCommerce order as its REST API (wc/v3) and its order webhooks send it → the OrderDetails
// the workflow takes. Pure: used by the webhook and by the REST sweep that recovers what a
// disabled webhook missed, so both read an order the same way.
//
// It never refuses an order it can name: whatever cannot become a normal order (a line whose
// product was deleted, so `sku` is null; an amount the currency cannot have; a quantity that is
// not a positive integer; a refund on a paid order) becomes a `problems` entry (STOREFRONT_DATA)
// and the workflow holds a paid order with problems for review. Only a body without a usable
// order id is unreadable.
//
// Paid means paid: `processing`/`completed` count only with `date_paid` (or `date_paid_gmt`)
// set. WooCommerce stamps date_paid itself when an order reaches `processing`, also for cash on
// delivery (WC_Order::maybe_set_date_paid), so for payment methods that settle later (cod, bacs,
// cheque by default; per store `settleLaterPaymentMethods`) the order counts as paid only once
// the merchant marks it `completed`.
import { z } from 'zod';
import { ORDER_ID, type OrderDetails, type OrderLineInput, type Reason } from '../shared/contract';
import { currencyDecimals, fromMinor, toMinor } from '../shared/money';

export const DEFAULT_SETTLE_LATER_METHODS: readonly string[] = ['cod', 'bacs', 'cheque'];

export interface WooOrderOptions {
  /** The receipt's event id, carried into OrderDetails.eventId. */
  eventId: string;
  /** Payment methods paid only once `completed` (default: cod, bacs, cheque). */
  settleLaterMethods?: readonly string[];
}

export interface WooOrderSnapshot {
  orderId: string;
  details: OrderDetails;
}

/** The body names no usable order (not an object, no positive integer id). */
export class WooOrderUnreadableError extends Error {
  override name = 'WooOrderUnreadableError';
}

/** The store's settle-later list from its settings JSON (`settleLaterPaymentMethods`). */
export function settleLaterMethodsOf(settings: unknown): readonly string[] {
  const list = (settings as { settleLaterPaymentMethods?: unknown } | null)?.settleLaterPaymentMethods;
  return Array.isArray(list) && list.every((m) => typeof m === 'string')
    ? (list as string[])
    : DEFAULT_SETTLE_LATER_METHODS;
}

/**
 * Whether a snapshot starts the order's workflow: paid, or (store setting
 * `forwardPendingOrders`, for stores paid through a gateway such as Pay'nUp that pays an order
 * cardbridge must already know) a `pending` order, which then waits in awaiting_payment.
 */
export function opensWorkflow(details: OrderDetails, settings: unknown): boolean {
  const forward = (settings as { forwardPendingOrders?: unknown } | null)?.forwardPendingOrders === true;
  return details.paid || (forward && details.status === 'pending');
}

const PAID_STATUSES = new Set(['processing', 'completed']);
const MAX_LINES = 200;
const MAX_QUANTITY = 1000;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** The order id of a WooCommerce body (also `{"id":N}` of order.deleted), or undefined. */
export function wooOrderId(raw: unknown): string | undefined {
  if (!isObj(raw)) return undefined;
  const id = raw.id;
  const s = typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? String(id) : text(id);
  return s && /^[1-9]\d{0,18}$/.test(s) && ORDER_ID.test(s) ? s : undefined;
}

/** WooCommerce's `*_gmt` dates have no zone ("2026-11-30T09:15:00"); they are UTC. */
function gmtIso(v: unknown): string | undefined {
  const s = text(v);
  if (!s) return undefined;
  const withZone = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s) ? `${s}Z` : s;
  if (!/^\d{4}-\d{2}-\d{2}T/.test(withZone) || !/(Z|[+-]\d{2}:?\d{2})$/.test(withZone)) return undefined;
  const t = Date.parse(withZone);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function metaValue(meta: unknown, ...keys: string[]): string | undefined {
  if (!Array.isArray(meta)) return undefined;
  const hit = meta.find((m): m is Obj => isObj(m) && typeof m.key === 'string' && keys.includes(m.key));
  return hit ? text(hit.value) : undefined;
}

/**
 * Raw WooCommerce order JSON (already JSON.parse'd) → the order id and its OrderDetails.
 * Throws WooOrderUnreadableError only when the body names no order.
 */
export function parseWooOrder(raw: unknown, opts: WooOrderOptions): WooOrderSnapshot {
  const orderId = wooOrderId(raw);
  if (!orderId || !isObj(raw)) throw new WooOrderUnreadableError('The body names no WooCommerce order id.');
  const problems: Reason[] = [];
  const problem = (message: string, lineNo?: number) =>
    problems.push({ code: 'STOREFRONT_DATA', message, ...(lineNo === undefined ? {} : { lineNo }) });

  const status = text(raw.status)?.toLowerCase() ?? '';
  if (!status) problem('The order has no status.');

  let currency = text(raw.currency)?.toUpperCase() ?? '';
  if (!/^[A-Z]{3}$/.test(currency)) {
    problem(`The order's currency ${JSON.stringify(raw.currency ?? null)} is not an ISO 4217 code.`);
    currency = currency.slice(0, 8) || 'XXX';
  }
  const decimals = currencyDecimals(currency);
  const amount = (v: unknown, what: string, lineNo?: number): number | null => {
    const minor = toMinor(v, decimals);
    if (minor === null || minor < 0) {
      problem(
        `${what} ${JSON.stringify(v ?? null)} is not an amount in ${currency} (${decimals} decimals).`,
        lineNo,
      );
      return null;
    }
    return minor;
  };
  const totalMinor = amount(raw.total, 'The order total');

  const paymentMethod = text(raw.payment_method);
  const datePaid = text(raw.date_paid_gmt) ?? text(raw.date_paid);
  const settleLater = (opts.settleLaterMethods ?? DEFAULT_SETTLE_LATER_METHODS).includes(paymentMethod ?? '');
  const paid =
    PAID_STATUSES.has(status) && datePaid !== undefined && (!settleLater || status === 'completed');

  const items = Array.isArray(raw.line_items) ? raw.line_items : [];
  if (!Array.isArray(raw.line_items)) problem('The order has no line_items list.');
  if (items.length > MAX_LINES)
    problem(`The order has ${items.length} lines; at most ${MAX_LINES} are read.`);
  const lines: OrderLineInput[] = items.slice(0, MAX_LINES).map((item: unknown, i): OrderLineInput => {
    const lineNo = i + 1;
    const l = isObj(item) ? item : {};
    const name = text(l.name)?.slice(0, 200);
    const label = `Line ${lineNo}${name ? ` (${name})` : ''}`;
    const sku = text(l.sku);
    if (!sku) problem(`${label} has no SKU (its product was deleted or never had one).`, lineNo);
    else if (sku.length > 64) problem(`${label}: the SKU is longer than 64 characters.`, lineNo);
    const q = l.quantity;
    const quantity =
      typeof q === 'number' && Number.isInteger(q) && q >= 1 && q <= MAX_QUANTITY ? q : undefined;
    if (quantity === undefined)
      problem(
        `${label}: quantity ${JSON.stringify(q ?? null)} is not a whole number from 1 to ${MAX_QUANTITY}.`,
        lineNo,
      );
    const lineTotal = amount(l.total, `${label}: the line total`, lineNo);
    // Exact: integer minor units, rounded half up only when a discount left a remainder.
    const unitMinor =
      lineTotal !== null && quantity ? Math.floor((lineTotal * 2 + quantity) / (2 * quantity)) : 0;
    return {
      lineNo,
      sku: sku?.slice(0, 64) ?? '',
      quantity: quantity ?? 0,
      unitPrice: fromMinor(unitMinor, decimals),
      ...(name ? { name } : {}),
    };
  });

  const refunds = Array.isArray(raw.refunds) ? raw.refunds.filter(isObj) : [];
  if (refunds.length && status !== 'refunded') {
    const refunded = refunds.reduce((n, r) => n + Math.abs(toMinor(r.total, decimals) ?? 0), 0);
    problem(`The store refunded ${fromMinor(refunded, decimals)} ${currency} of this order.`);
  }

  const flags = metaValue(raw.meta_data, 'risk_flags', '_cardbridge_risk_flags');
  const billing = isObj(raw.billing) ? raw.billing : {};
  const details: OrderDetails = {
    channel: 'woocommerce',
    status,
    paid,
    paymentMethod,
    currency,
    total: fromMinor(totalMinor ?? 0, decimals),
    customerEmail: text(billing.email),
    accountRegion: metaValue(raw.meta_data, 'psn_account_region', '_psn_account_region', 'account_region'),
    riskFlags: flags
      ? flags
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean)
      : [],
    lines,
    eventId: opts.eventId,
    modifiedAt: gmtIso(raw.date_modified_gmt),
    ...(problems.length ? { problems } : {}),
  };
  return { orderId, details };
}

// ---------------------------------------------------------------- documentation

const amountDoc = z.union([z.string(), z.number()]).describe('Decimal amount in the store currency.');

/**
 * The fields cardbridge reads, for the OpenAPI document (the parser above reads the same fields
 * leniently; anything else WooCommerce sends is ignored).
 */
export const wooOrderSchema = z
  .object({
    id: z.number().int().positive(),
    status: z.string().describe('pending, processing, on-hold, completed, cancelled, refunded, failed, ...'),
    currency: z.string().describe('ISO 4217; amounts use its minor units (JPY 0, USD 2, KWD 3 decimals).'),
    total: amountDoc,
    payment_method: z.string().optional(),
    date_paid: z.string().nullable().optional(),
    date_paid_gmt: z.string().nullable().optional(),
    date_modified_gmt: z.string().nullable().optional().describe('UTC, no zone; orders snapshots.'),
    billing: z.object({ email: z.string().optional() }).partial().optional(),
    line_items: z.array(
      z.object({
        id: z.number().int(),
        name: z.string().optional(),
        sku: z.string().nullable().describe('null when the product was deleted.'),
        quantity: z.number().int(),
        price: z.number().optional(),
        total: amountDoc,
      }),
    ),
    refunds: z.array(z.object({ id: z.number().int(), total: amountDoc })).optional(),
    meta_data: z.array(z.object({ key: z.string(), value: z.unknown() })).optional(),
  })
  .describe('A WooCommerce REST (wc/v3) order; order.deleted sends only {"id": N}.');
