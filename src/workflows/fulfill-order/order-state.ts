// Everything one fulfillOrder run knows, and the methods that change it. The status object is
// what the `status` query returns; the rest is what the steps decide from. No activities here.
import { upsertSearchAttributes } from '@temporalio/workflow';
import {
  SA,
  STOREFRONT_STOP_STATUSES,
  type CarriedOrderState,
  type FulfillmentState,
  type FulfillmentStatus,
  type LineStatus,
  type OrderDetails,
  type OrderLineInput,
  type PaymentReceived,
  type Reason,
  type ReasonCode,
  type RedemptionNotice,
  type RefundRequest,
  type ReviewDecision,
  type StorefrontStatusChange,
  type SupplierCallback,
  type SupplierOrderReport,
  type SupplierStatusNotice,
} from '../../shared/contract';
import type { EligibleLine } from '../../shared/eligibility';

/** Reasons a person may approve; a retry after approval does not raise them again. */
export const APPROVABLE: ReasonCode[] = [
  'RISK_FLAG',
  'PAYMENT_METHOD',
  'REGION_MISMATCH',
  'CURRENCY_MISMATCH',
  'AMOUNT_MISMATCH',
  'STOREFRONT_DATA',
];

/** Reasons that come from checking the order itself (a retry checks it again). */
export function isEligibilityReason(code: ReasonCode): boolean {
  return [...APPROVABLE, 'SKU_UNMAPPED', 'NOT_PAID', 'NO_CODE_LINES'].includes(code);
}

/**
 * What the store did after payment that stops an automatic delivery: cancelled, refunded,
 * failed, on hold or deleted it, or edited it after codes were bought. A person who decides on
 * the review approves it; a new change of the store raises it again.
 */
export type StorefrontHold = 'STOREFRONT_CANCELLED' | 'STOREFRONT_REFUNDED' | 'STOREFRONT_EDITED';

/** The part of a snapshot that decides what is bought: its lines and total. */
function sameGoods(
  a: { total: string; lines: OrderLineInput[] },
  b: { total: string; lines: OrderLineInput[] },
) {
  const key = (o: { total: string; lines: OrderLineInput[] }) =>
    JSON.stringify([o.total, o.lines.map((l) => [l.lineNo, l.sku, l.quantity, l.unitPrice])]);
  return key(a) === key(b);
}

/** A supplier batch state that is final: its report is never overwritten. */
export function isTerminal(state: string | undefined): boolean {
  return state === 'delivered' || state === 'partial' || state === 'failed';
}

/** Units a line still lacks. */
export interface MissingUnits {
  line: LineStatus;
  count: number;
}

export function markLines(units: { line: LineStatus }[], state: LineStatus['state']): void {
  for (const { line } of units) line.state = state;
}

export class OrderState {
  /** What the `status` query and the review Update answer with. */
  readonly status: FulfillmentStatus;
  details: OrderDetails | undefined;
  payment: PaymentReceived | undefined;
  refundRequest: RefundRequest | undefined;
  /** A review decision accepted by the validator and not yet applied. */
  pendingDecision: ReviewDecision | undefined;
  /** Lines that passed the eligibility check, with their supplier mapping. */
  eligible: EligibleLine[] = [];
  /** Reasons a person approved; they are not raised again. */
  readonly approved = new Set<ReasonCode>();
  /** The latest report of each batch, by client order id. */
  readonly reports = new Map<string, SupplierOrderReport>();
  /** Batches whose codes were handed to lines. */
  readonly appliedBatches = new Set<string>();
  /** The order row exists in the database. */
  recorded = false;
  /** The storefront's status when it is one that stops delivery (cancelled, refunded, ...). */
  storefrontStop: string | undefined;
  /** The lines and total the first batch was bought for; a later edit of them goes to review. */
  boughtOn: { total: string; lines: OrderLineInput[] } | undefined;
  /** Batches a supplier said changed (supplierStatusSignal); the wait ends and looks them up. */
  readonly nudged = new Set<string>();
  /** Why each source a line tried said no, by line number (the review says it when none is left). */
  readonly refusals = new Map<number, Reason[]>();
  /** Review cases opened by this order (across continue-as-new), for their unique keys. */
  reviewOpenings = 0;
  private readonly seenEvents = new Set<string>();

  constructor(ids: { workflowId: string; storeId: string; orderId: string }) {
    this.status = {
      ...ids,
      state: 'awaiting_order',
      lines: [],
      reasons: [],
      batches: [],
      supplierAttempts: 0,
      decisions: [],
      redemption: 'unknown',
      customerNotices: [],
    };
  }

  // ------------------------------------------------------------ signals (each event once)
  /**
   * The storefront's latest snapshot wins (by its modifiedAt); paid stays paid. A stop status
   * (cancelled, refunded, ...) is remembered even from a snapshot without a modification time.
   */
  receiveOrderDetails(d: OrderDetails): void {
    if (!this.firstSeen(d.eventId)) return;
    const current = this.details;
    // WooCommerce stamps whole seconds: of two changes in one second, the later delivery wins.
    const newer =
      !!current &&
      !!d.modifiedAt &&
      !!current.modifiedAt &&
      Date.parse(d.modifiedAt) >= Date.parse(current.modifiedAt);
    if (current && d.modifiedAt && current.modifiedAt && !newer) return; // an older snapshot, delivered late
    if (!current) {
      this.details = d;
    } else if (newer) {
      this.details = {
        ...d,
        paid: d.paid || current.paid,
        paymentMethod: d.paymentMethod ?? current.paymentMethod,
      };
    } else if (d.paid && !current.paid) {
      this.details = { ...current, paid: true, status: d.status };
    }
    if (STOREFRONT_STOP_STATUSES.includes(d.status)) this.storefrontStop = d.status;
    else if (!current || newer) this.storefrontStop = undefined; // restored, or back to processing
  }

  /** WooCommerce order.deleted / order.restored: no snapshot, only the order's fate. */
  receiveStorefrontStatus(c: StorefrontStatusChange): void {
    if (!this.firstSeen(c.eventId)) return;
    if (c.status === 'restored') this.storefrontStop = undefined;
    else if (STOREFRONT_STOP_STATUSES.includes(c.status)) this.storefrontStop = c.status;
  }

  receivePayment(p: PaymentReceived): void {
    if (this.firstSeen(p.eventId)) this.payment ??= p;
  }

  /** A batch changed at a supplier whose webhook carries no codes: look it up now. */
  receiveSupplierStatus(n: SupplierStatusNotice): void {
    if (!this.firstSeen(n.eventId)) return;
    if (this.status.batches.some((b) => b.clientOrderId === n.clientOrderId))
      this.nudged.add(n.clientOrderId);
  }

  /** Only a batch this order placed: a report for any other client order id is not ours. */
  receiveSupplierCallback({ eventId, report }: SupplierCallback): void {
    if (!this.firstSeen(eventId)) return;
    if (!this.status.batches.some((b) => b.clientOrderId === report.clientOrderId)) return;
    this.mergeReport(report);
  }

  /**
   * The delivered card's redemption. Pay'nUp's USED is about the customer's payment PIN (the
   * money), not the card we delivered, so it never marks a delivered code redeemed.
   */
  receiveRedemption(n: RedemptionNotice): void {
    if (n.source === 'paynup') return;
    if (this.firstSeen(n.eventId) && this.status.redemption !== 'used') this.status.redemption = n.state;
  }

  receiveRefundRequest(r: RefundRequest): void {
    if (this.firstSeen(r.eventId)) this.refundRequest ??= r;
  }

  private firstSeen(eventId: string): boolean {
    return !this.seenEvents.has(eventId) && !!this.seenEvents.add(eventId);
  }

  // ------------------------------------------------------------ changes
  /** Moves the order to a state, with the deadline of its current wait (if any). */
  setState(state: FulfillmentState, deadline?: number): void {
    this.status.state = state;
    this.status.nextDeadline = deadline === undefined ? undefined : new Date(deadline).toISOString();
    upsertSearchAttributes([
      { key: SA.status, value: state },
      { key: SA.deadline, value: deadline === undefined ? null : new Date(deadline) },
      { key: SA.reason, value: this.status.reasons[0]?.code ?? null },
    ]);
  }

  /** Keeps the newest report of a batch; a final answer is never overwritten. */
  mergeReport(report: SupplierOrderReport): void {
    const prev = this.reports.get(report.clientOrderId);
    if (prev && isTerminal(prev.state)) return; // a final answer is never overwritten
    if (prev && Date.parse(report.updatedAt) < Date.parse(prev.updatedAt)) return; // out of order
    this.reports.set(report.clientOrderId, report);
    const batch = this.status.batches.find((b) => b.clientOrderId === report.clientOrderId);
    // A batch closed as never placed (its supplier's lookup found nothing) shows up after all:
    // it is applied like any late batch, never silently dropped.
    if (!prev && batch?.state === 'failed' && report.state !== 'failed')
      this.appliedBatches.delete(report.clientOrderId);
    if (batch) {
      batch.state = report.state;
      batch.supplierOrderId = report.supplierOrderId;
    }
  }

  /** A payment signal pays an order whose details arrived unpaid. */
  applyPayment(): void {
    const { details, payment } = this;
    if (details && !details.paid && payment) {
      this.details = {
        ...details,
        paid: true,
        paymentMethod: details.paymentMethod ?? payment.paymentMethod,
      };
    }
  }

  /** Closes the open review (before any await, so the validator refuses a second decision at once). */
  leaveReview(): { chosen?: ReviewDecision; refundAsked?: RefundRequest; late?: string } {
    const chosen = this.pendingDecision;
    const refundAsked = chosen ? undefined : this.refundRequest;
    const late = chosen || refundAsked ? undefined : this.lateBatch();
    if (refundAsked) this.refundRequest = undefined;
    this.status.review = undefined;
    this.status.reasons = [];
    return { chosen, refundAsked, late };
  }

  // ------------------------------------------------------------ questions
  /** The order is known and paid (by its own details or by a payment signal). */
  ready(): boolean {
    return this.details !== undefined && (this.details.paid || this.payment !== undefined);
  }

  missingUnits(): MissingUnits[] {
    return this.status.lines
      .filter((l) => l.state !== 'ignored' && l.delivered < l.quantity)
      .map((line) => ({ line, count: line.quantity - line.delivered }));
  }

  /** Why the store's own actions hold this order now (undefined: nothing does, or a person approved it). */
  storefrontHold(): StorefrontHold | undefined {
    const stop = this.storefrontStop;
    const held: StorefrontHold | undefined = stop
      ? stop === 'refunded'
        ? 'STOREFRONT_REFUNDED'
        : 'STOREFRONT_CANCELLED'
      : this.boughtOn && this.details && !sameGoods(this.boughtOn, this.details)
        ? 'STOREFRONT_EDITED'
        : undefined;
    return held && !this.approved.has(held) ? held : undefined;
  }

  /** Anything bought or delivered yet: a store cancel before that simply ends the order. */
  boughtAnything(): boolean {
    return this.status.batches.length > 0 || this.status.lines.some((l) => l.delivered > 0);
  }

  // ------------------------------------------------------------ continue-as-new
  carry(eventSeq: number, inReview: boolean): CarriedOrderState {
    return {
      status: this.status,
      details: this.details,
      payment: this.payment,
      refundRequest: this.refundRequest,
      eligible: this.eligible,
      approved: [...this.approved],
      reports: [...this.reports.values()],
      appliedBatches: [...this.appliedBatches],
      recorded: this.recorded,
      seenEvents: [...this.seenEvents],
      storefrontStop: this.storefrontStop,
      boughtOn: this.boughtOn,
      eventSeq,
      reviewOpenings: this.reviewOpenings,
      inReview,
    };
  }

  /** Takes over a previous run's state (continue-as-new). */
  restore(c: CarriedOrderState): void {
    Object.assign(this.status, c.status);
    this.details = c.details;
    this.payment = c.payment;
    this.refundRequest = c.refundRequest;
    this.eligible = c.eligible;
    for (const code of c.approved) this.approved.add(code);
    for (const r of c.reports) this.reports.set(r.clientOrderId, r);
    for (const b of c.appliedBatches) this.appliedBatches.add(b);
    this.recorded = c.recorded;
    for (const e of c.seenEvents) this.seenEvents.add(e);
    this.storefrontStop = c.storefrontStop;
    this.boughtOn = c.boughtOn;
    this.reviewOpenings = c.reviewOpenings;
  }

  /** A batch the supplier settled after we stopped waiting for it (its report was not applied). */
  lateBatch(): string | undefined {
    return this.status.batches.find((b) => isTerminal(b.state) && !this.appliedBatches.has(b.clientOrderId))
      ?.clientOrderId;
  }
}
