// Everything one fulfillOrder run knows, and the methods that change it. The status object is
// what the `status` query returns; the rest is what the steps decide from. No activities here.
import { upsertSearchAttributes } from '@temporalio/workflow';
import {
  SA,
  type FulfillmentState,
  type FulfillmentStatus,
  type LineStatus,
  type OrderDetails,
  type PaymentReceived,
  type ReasonCode,
  type RedemptionNotice,
  type RefundRequest,
  type ReviewDecision,
  type SupplierCallback,
  type SupplierOrderReport,
} from '../../shared/contract';
import type { EligibleLine } from '../../shared/eligibility';

/** Reasons a person may approve; a retry after approval does not raise them again. */
export const APPROVABLE: ReasonCode[] = [
  'RISK_FLAG',
  'PAYMENT_METHOD',
  'REGION_MISMATCH',
  'CURRENCY_MISMATCH',
  'AMOUNT_MISMATCH',
];

/** Reasons that come from checking the order itself (a retry checks it again). */
export function isEligibilityReason(code: ReasonCode): boolean {
  return [...APPROVABLE, 'SKU_UNMAPPED', 'NOT_PAID', 'NO_CODE_LINES'].includes(code);
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
  receiveOrderDetails(d: OrderDetails): void {
    if (!this.firstSeen(d.eventId)) return;
    if (!this.details) this.details = d;
    else if (d.paid && !this.details.paid) this.details = { ...this.details, paid: true, status: d.status };
  }

  receivePayment(p: PaymentReceived): void {
    if (this.firstSeen(p.eventId)) this.payment ??= p;
  }

  receiveSupplierCallback({ eventId, report }: SupplierCallback): void {
    if (!this.firstSeen(eventId)) return;
    this.mergeReport(report);
  }

  receiveRedemption(n: RedemptionNotice): void {
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

  /** A batch the supplier settled after we stopped waiting for it (its report was not applied). */
  lateBatch(): string | undefined {
    return this.status.batches.find((b) => isTerminal(b.state) && !this.appliedBatches.has(b.clientOrderId))
      ?.clientOrderId;
  }
}
