// What crosses the boundary between the API, the worker and ops tools: ids, messages,
// search attributes and status types. One definition per wire name, used by both sides.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { EligibleLine } from './eligibility';

export const WORKFLOW_TYPE = 'fulfillOrder';

// ---------------------------------------------------------------- identifiers

/**
 * The one store-id rule (config, URLs, admin, ops): no `_`, so the client order id
 * `cb_<store>_<order>_b<n>` decodes unambiguously (the store ends at the first `_`).
 */
export const STORE_ID_PATTERN = '[a-z0-9][a-z0-9-]{0,39}';
export const STORE_ID = new RegExp(`^${STORE_ID_PATTERN}$`);
export const ORDER_ID_PATTERN = '[A-Za-z0-9][A-Za-z0-9._-]{0,63}';
export const ORDER_ID = new RegExp(`^${ORDER_ID_PATTERN}$`);

/** One workflow per (store, order): duplicate deliveries address the same execution. */
export function fulfillmentWorkflowId(storeId: string, orderId: string): string {
  return `fulfill:${storeId}:${orderId}`;
}

/**
 * The client order id we send the supplier for one batch (the first attempt is batch 1; a retry
 * of missing lines opens a new batch). It encodes the order so a supplier webhook finds its
 * workflow without a lookup, and it stays the same on every re-send of that batch.
 */
export function supplierClientOrderId(storeId: string, orderId: string, batch: number): string {
  return `cb_${storeId}_${orderId}_b${batch}`;
}

export function parseClientOrderId(
  clientOrderId: string,
): { storeId: string; orderId: string; batch: number } | null {
  const m = new RegExp(`^cb_(${STORE_ID_PATTERN})_(.+)_b(\\d{1,4})$`).exec(clientOrderId);
  if (!m || !ORDER_ID.test(m[2]!)) return null;
  return { storeId: m[1]!, orderId: m[2]!, batch: Number(m[3]) };
}

/** Idempotency key for a batch: deterministic, so a reset or replay never mints a new one. */
export function supplierIdempotencyKey(storeId: string, orderId: string, batch: number): string {
  return `cardbridge:${storeId}:${orderId}:batch-${batch}`;
}

// ---------------------------------------------------------------- messages

export type Channel = 'woocommerce' | 'standard' | 'pocketsflow' | 'paynup' | 'ops';

export interface OrderLineInput {
  lineNo: number;
  sku: string;
  quantity: number;
  /** Unit price the customer paid, decimal string in the order currency. */
  unitPrice: string;
  name?: string;
}

/** The order as a storefront describes it. */
export interface OrderDetails {
  channel: Channel;
  status: string;
  paid: boolean;
  paymentMethod?: string;
  currency: string;
  total: string;
  customerEmail?: string;
  /** Region of the customer's account on the platform (e.g. PSN US), when the store asks for it. */
  accountRegion?: string;
  riskFlags: string[];
  lines: OrderLineInput[];
  eventId: string;
  /**
   * When the storefront last changed the order (ISO, UTC). A snapshot older than the one the
   * workflow holds is ignored; a newer one replaces it (status, lines, totals, flags, email).
   */
  modifiedAt?: string;
  /**
   * What in the storefront's data could not become a normal order (a line without SKU, an
   * amount the currency cannot have, ...). A paid order with problems is held for review.
   */
  problems?: Reason[];
  /** How cardbridge learnt of this snapshot: the storefront's webhook, or the recovery sweep. */
  via?: 'webhook' | 'sweep';
}

/**
 * A storefront change that carries no order snapshot: WooCommerce `order.deleted` (status
 * `trash` or `deleted`) and `order.restored` (status `restored`).
 */
export interface StorefrontStatusChange {
  source: Channel;
  eventId: string;
  status: string;
  at?: string;
}

/** Storefront statuses that mean "do not deliver": stop before buying, hold for review after. */
export const STOREFRONT_STOP_STATUSES: readonly string[] = [
  'cancelled',
  'refunded',
  'failed',
  'on-hold',
  'trash',
  'deleted',
];

export interface PaymentReceived {
  source: Channel;
  eventId: string;
  amount?: string;
  paymentMethod?: string;
}

export interface IssuedCode {
  /** The code itself. Travels only inside encrypted payloads and is stored encrypted. */
  code: string;
  pin?: string;
}

export type SupplierOrderState = 'pending' | 'delivered' | 'partial' | 'failed';

export interface SupplierLineResult {
  product: string;
  quantity: number;
  codes: IssuedCode[];
  failed: number;
}

/** A supplier's view of one batch, from its webhook or a status lookup. */
export interface SupplierOrderReport {
  supplierOrderId: string;
  clientOrderId: string;
  state: SupplierOrderState;
  lines: SupplierLineResult[];
  /** Amount the supplier charged us, decimal string. */
  cost?: string;
  costCurrency?: string;
  /** Supplier's own update time (ISO); older reports never overwrite newer ones. */
  updatedAt: string;
}

export interface SupplierCallback {
  eventId: string;
  report: SupplierOrderReport;
}

/**
 * A supplier whose webhook carries no codes (Kinguin's order.status) says a batch changed: the
 * workflow looks the batch up now instead of at its next poll.
 */
export interface SupplierStatusNotice {
  eventId: string;
  supplier: string;
  clientOrderId: string;
  status: string;
}

export interface RedemptionNotice {
  source: Channel;
  eventId: string;
  state: 'sold' | 'used';
}

export interface RefundRequest {
  source: Channel;
  eventId: string;
  reason: string;
}

/**
 * retry: check, buy or deliver again what is missing; markDelivered: codes obtained by hand;
 * acceptCost: deliver although the supplier charged more than the customer paid (a coupon);
 * refund: give the money back; cancel: stop, nothing more happens.
 */
export type ReviewAction = 'retry' | 'markDelivered' | 'acceptCost' | 'refund' | 'cancel';

export interface ReviewDecision {
  action: ReviewAction;
  by: string;
  note?: string;
  /** For markDelivered: codes obtained by hand, per line. */
  codes?: { lineNo: number; codes: IssuedCode[] }[];
}

export const orderDetailsSignal = defineSignal<[OrderDetails]>('orderDetails');
export const paymentReceivedSignal = defineSignal<[PaymentReceived]>('paymentReceived');
export const supplierCallbackSignal = defineSignal<[SupplierCallback]>('supplierCallback');
export const supplierStatusSignal = defineSignal<[SupplierStatusNotice]>('supplierStatus');
export const redemptionSignal = defineSignal<[RedemptionNotice]>('redemption');
export const refundRequestedSignal = defineSignal<[RefundRequest]>('refundRequested');
export const storefrontStatusSignal = defineSignal<[StorefrontStatusChange]>('storefrontStatus');
export const reviewDecisionUpdate = defineUpdate<FulfillmentStatus, [ReviewDecision]>('reviewDecision');
export const statusQuery = defineQuery<FulfillmentStatus>('status');

// ---------------------------------------------------------------- workflow input and status

export interface FulfillOrderInput {
  storeId: string;
  orderId: string;
  /** Timeouts captured from config at start, so a running order keeps the rules it started with. */
  timeouts: FulfillmentTimeouts;
  /**
   * The event that made the API start this run: handled first, exactly as if it had been the
   * first signal. (A start carrying it costs Temporal less than signal-with-start; runs started
   * before it existed received their first event as a signal.)
   */
  opening?: OpeningEvent;
  /**
   * Set by the workflow itself when it continues as new (a long review that keeps receiving
   * storefront re-sends): everything the previous run knew. Never set by a caller.
   */
  carried?: CarriedOrderState;
}

/** One of the two events that may start an order's workflow (see FulfillOrderInput.opening). */
export type OpeningEvent = { orderDetails: OrderDetails } | { payment: PaymentReceived };

/** What a run hands to the next when it continues as new (see FulfillOrderInput.carried). */
export interface CarriedOrderState {
  status: FulfillmentStatus;
  details?: OrderDetails;
  payment?: PaymentReceived;
  refundRequest?: RefundRequest;
  eligible: EligibleLine[];
  approved: ReasonCode[];
  reports: SupplierOrderReport[];
  appliedBatches: string[];
  recorded: boolean;
  seenEvents: string[];
  storefrontStop?: string;
  boughtOn?: { total: string; lines: OrderLineInput[] };
  eventSeq: number;
  reviewOpenings: number;
  /** The run stopped while its review was open; the next run waits in it (no second case). */
  inReview: boolean;
}

export interface FulfillmentTimeouts {
  /** How long to wait for order details and payment before giving up (no money moved). */
  paymentWaitMs: number;
  /** One wait for the supplier's webhook before polling its status. */
  supplierWebhookWaitMs: number;
  /** Total time a batch may stay pending at the supplier before a human looks at it. */
  supplierMaxWaitMs: number;
  /** Remind ops when a review has waited this long without a decision. */
  reviewReminderMs: number;
  /** One supplier HTTP call, end to end; past it the outcome is ambiguous and is looked up. */
  supplierCallTimeoutMs: number;
  /** A run whose history grows past this many events continues as new (default 2,000). */
  historyLimit?: number;
  /** Attempts of one supplier call before that supplier counts as down (default 12). */
  supplierMaxAttempts?: number;
}

export type FulfillmentState =
  | 'awaiting_order'
  | 'awaiting_payment'
  | 'checking'
  | 'ordering'
  | 'awaiting_supplier'
  | 'in_review'
  | 'delivering'
  | 'delivered'
  | 'refunded'
  | 'cancelled'
  | 'not_paid'
  | 'skipped';

export const TERMINAL_STATES: readonly FulfillmentState[] = [
  'delivered',
  'refunded',
  'cancelled',
  'not_paid',
  'skipped',
];

/** Status of an order row written for a review case before the storefront's order arrived. */
export const PLACEHOLDER_ORDER_STATUS = 'payment_without_order';

export type LineState = 'ignored' | 'pending' | 'ordered' | 'delivered' | 'partial' | 'failed' | 'review';

export interface LineStatus {
  lineNo: number;
  sku: string;
  quantity: number;
  state: LineState;
  delivered: number;
  supplierProduct?: string;
  region?: string;
  /** Masked codes (e.g. ****-****-1234) of what was delivered. */
  masked: string[];
  /**
   * Where the line's codes come from, in the order they are tried: supplier names and POOL_SOURCE
   * (from the mapping's routes and pool mode); `sourceIdx` is the one being tried. Absent in
   * lines of older runs: the mapping's single supplier.
   */
  sources?: LineSource[];
  sourceIdx?: number;
}

/** The code pool, as a line source. */
export const POOL_SOURCE = 'pool';

export interface LineSource {
  /** A supplier name, or POOL_SOURCE. */
  source: string;
  /** The supplier's product id (absent for the pool). */
  product?: string;
  /** The most one unit may cost at this supplier (decimal string); a higher quote goes to review. */
  maxUnitCost?: string;
}

export interface Reason {
  code: ReasonCode;
  message: string;
  lineNo?: number;
}

export type ReasonCode =
  | 'NOT_PAID'
  | 'RISK_FLAG'
  | 'PAYMENT_METHOD'
  | 'SKU_UNMAPPED'
  | 'REGION_MISMATCH'
  | 'CURRENCY_MISMATCH'
  | 'AMOUNT_MISMATCH'
  | 'NO_CODE_LINES'
  | 'SUPPLIER_REJECTED'
  | 'SUPPLIER_FAILED'
  | 'SUPPLIER_TIMEOUT'
  | 'PARTIAL_DELIVERY'
  | 'RECONCILE_MISMATCH'
  | 'REFUND_CODE_USED'
  | 'REFUND_UNKNOWN_REDEMPTION'
  | 'REFUND_REQUESTED'
  | 'ORDER_MISSING'
  | 'UNKNOWN_STORE'
  | 'CODE_CONFLICT'
  | 'DELIVERY_FAILED'
  /** The storefront's data could not become a normal order (OrderDetails.problems). */
  | 'STOREFRONT_DATA'
  /** The store cancelled (or failed, put on hold, deleted) the order after codes were bought. */
  | 'STOREFRONT_CANCELLED'
  /** The store refunded the order after codes were bought. */
  | 'STOREFRONT_REFUNDED'
  /** The store edited the order after codes were bought. */
  | 'STOREFRONT_EDITED'
  /** The supplier charged more than the customer paid (e.g. after an approved coupon). */
  | 'COST_ABOVE_PAID'
  /** The payment could not be refunded automatically (the gateway or storefront refused). */
  | 'REFUND_FAILED'
  /** A payment arrived after the order's workflow closed without delivering (recorded by the API). */
  | 'PAYMENT_AFTER_CLOSE'
  /** Every source of a line said no (suppliers rejected or do not have it, the pool is empty). */
  | 'NO_SOURCE_LEFT'
  /** A supplier quoted more than the mapping's maximum cost; nothing was bought. */
  | 'PRICE_ABOVE_MAX';

export interface FulfillmentStatus {
  workflowId: string;
  storeId: string;
  orderId: string;
  state: FulfillmentState;
  lines: LineStatus[];
  /** Why the order is (or was) held; empty when all is well. */
  reasons: Reason[];
  batches: {
    batch: number;
    clientOrderId: string;
    supplierOrderId?: string;
    state: SupplierOrderState;
    /** The supplier the batch went to; absent in batches of older runs: the first supplier. */
    supplier?: string;
  }[];
  supplierAttempts: number;
  /** When the current wait ends (webhook wait, review reminder, payment wait), ISO. */
  nextDeadline?: string;
  review?: { openedAt: string; reminders: number };
  decisions: { action: ReviewAction; by: string; at: string; note?: string }[];
  redemption: 'unknown' | 'sold' | 'used';
  customerNotices: string[];
}

// ---------------------------------------------------------------- search attributes

export const SA = {
  status: defineSearchAttributeKey('CardbridgeStatus', SearchAttributeType.KEYWORD),
  store: defineSearchAttributeKey('CardbridgeStore', SearchAttributeType.KEYWORD),
  region: defineSearchAttributeKey('CardbridgeRegion', SearchAttributeType.KEYWORD),
  skus: defineSearchAttributeKey('CardbridgeSkus', SearchAttributeType.KEYWORD_LIST),
  reason: defineSearchAttributeKey('CardbridgeReason', SearchAttributeType.KEYWORD),
  deadline: defineSearchAttributeKey('CardbridgeDeadline', SearchAttributeType.DATETIME),
} as const;

/** `--search-attribute` values for `temporal server start-dev` and `temporal operator search-attribute create`. */
export const SEARCH_ATTRIBUTE_REGISTRATIONS: readonly string[] = [
  'CardbridgeStatus=Keyword',
  'CardbridgeStore=Keyword',
  'CardbridgeRegion=Keyword',
  'CardbridgeSkus=KeywordList',
  'CardbridgeReason=Keyword',
  'CardbridgeDeadline=Datetime',
];

// ---------------------------------------------------------------- activity error types

/** ApplicationFailure types. Retry policies list the non-retryable ones from here. */
export const ErrorType = {
  SupplierRejected: 'SupplierRejected',
  SupplierRateLimited: 'SupplierRateLimited',
  /** An order call that may still be processed by the supplier: never re-sent, looked up. */
  SupplierOutcomeUnknown: 'SupplierOutcomeUnknown',
  UnknownStore: 'UnknownStore',
  CodeConflict: 'CodeConflict',
  /** The supplier's quote is above the mapping's maximum unit cost: nothing was bought. */
  PriceAboveMax: 'PriceAboveMax',
} as const;
