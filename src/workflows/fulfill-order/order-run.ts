// One fulfillOrder run: its ids, its timeouts, its state, and the few effects every phase
// shares (an event row, a customer notice, storing codes, the storefront note). The phases
// (checks.ts, supplier-steps.ts, review.ts) are functions of a run that return the next Step.
import { log, patched, workflowInfo } from '@temporalio/workflow';
import type { EventRow } from '../../activities/order-rows';
import {
  ErrorType,
  fulfillmentWorkflowId,
  type CarriedOrderState,
  type FulfillmentState,
  type FulfillmentTimeouts,
  type FulfillOrderInput,
  type IssuedCode,
  type Reason,
} from '../../shared/contract';
import {
  codes,
  localCodes,
  failureMessage,
  failureType,
  notify,
  orders,
  supplierActivities,
  type SupplierProxy,
} from './activities';
import { OrderState } from './order-state';

/** What the run does next; the loop in index.ts runs steps until one is `end`. */
export type Step =
  | { kind: 'check' }
  | { kind: 'order' }
  | { kind: 'reconcile' }
  | { kind: 'deliver' }
  /** `resumed`: the review was open in the previous run (continue-as-new); no second case. */
  | { kind: 'review'; reasons: Reason[]; resumed?: boolean }
  | { kind: 'refund' }
  | { kind: 'apply'; clientOrderId: string }
  | { kind: 'end'; state: FulfillmentState; reasons?: Reason[] };

export type CustomerNotice = 'processing' | 'review' | 'delivered' | 'refunded' | 'cancelled';

/**
 * Bookkeeping rides with the effects: event rows the run notes go with the next activity that
 * writes (placing a batch, the delivered notice), the catalog is read with recording the order,
 * and the delivered state is written with its notice. Runs recorded before replay the old
 * sequence (one task per event row, a balance call per order).
 */
export function folded(): boolean {
  return patched('bookkeeping-with-effects');
}

/** Recording the order and storing codes run as local activities (runs recorded before: tasks). */
export function localWrites(): boolean {
  return patched('database-writes-local');
}

export class OrderRun {
  readonly workflowId: string;
  readonly storeId: string;
  readonly orderId: string;
  readonly timeouts: FulfillmentTimeouts;
  readonly state: OrderState;
  /** Supplier activities with this order's call timeout. */
  readonly supplier: SupplierProxy;
  /** Numbers the run's event rows (carried across continue-as-new, so keys never repeat). */
  eventSeq = 0;
  /** Event rows noted but not yet written: the next activity that writes takes them along. */
  private noted: EventRow[] = [];
  /** The final state an activity already wrote on the order row (the delivered notice does). */
  stateRecorded?: string;

  readonly input: FulfillOrderInput;

  constructor(input: FulfillOrderInput) {
    this.input = input;
    this.storeId = input.storeId;
    this.orderId = input.orderId;
    this.timeouts = input.timeouts;
    this.workflowId = fulfillmentWorkflowId(input.storeId, input.orderId);
    this.supplier = supplierActivities(input.timeouts);
    this.state = new OrderState({
      workflowId: this.workflowId,
      storeId: this.storeId,
      orderId: this.orderId,
    });
  }

  /** Takes over the previous run's state (continue-as-new) and says where it was. */
  resume(carried: CarriedOrderState): Step {
    this.state.restore(carried);
    this.eventSeq = carried.eventSeq;
    log.info('order continued as new', { workflowId: this.workflowId, state: carried.status.state });
    return carried.inReview
      ? { kind: 'review', reasons: carried.status.reasons, resumed: true }
      : { kind: 'check' };
  }

  /** A run whose history grew long continues as new (a review that keeps receiving re-sends). */
  historyTooLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > (this.timeouts.historyLimit ?? 2_000);
  }

  /** A fulfillment event row, numbered in the order the run records them. */
  event(type: string, status: string, detail: Record<string, unknown> = {}, lineNo?: number): EventRow {
    return {
      type,
      status,
      ...(lineNo === undefined ? {} : { lineNo }),
      details: detail,
      dedupeKey: `${this.workflowId}/${type}/${this.eventSeq++}`,
    };
  }

  /** Writes an event row now (with any noted before it). */
  async recordEvent(
    type: string,
    status: string,
    detail: Record<string, unknown> = {},
    lineNo?: number,
  ): Promise<void> {
    const { workflowId } = this;
    if (folded()) {
      await orders.recordEvents({
        workflowId,
        events: [...this.takeNoted(), this.event(type, status, detail, lineNo)],
      });
      return;
    }
    await orders.recordEvent({
      workflowId,
      type,
      status,
      lineNo,
      details: detail,
      dedupeKey: `${workflowId}/${type}/${this.eventSeq++}`,
    });
  }

  /** Notes an event row for the next activity that writes (recorded at once in older runs). */
  async noteEvent(type: string, status: string, detail: Record<string, unknown> = {}): Promise<void> {
    if (folded()) this.noted.push(this.event(type, status, detail));
    else await this.recordEvent(type, status, detail);
  }

  /** The noted rows, for an activity to write; forget them once it succeeded (takeNoted). */
  get notedEvents(): EventRow[] {
    return [...this.noted];
  }

  takeNoted(): EventRow[] {
    const noted = this.noted;
    this.noted = [];
    return noted;
  }

  /** Writes what was noted before the run waits or ends (nothing to do: no task). */
  async flushEvents(): Promise<void> {
    if (this.noted.length)
      await orders.recordEvents({ workflowId: this.workflowId, events: this.takeNoted() });
  }

  /**
   * A notice that must never stop the order (processing, review, refunded, cancelled): when
   * every attempt failed, it is logged and recorded, and the order goes on.
   */
  async tellCustomerBestEffort(template: Exclude<CustomerNotice, 'delivered'>): Promise<void> {
    try {
      await this.tellCustomer(template);
    } catch (err) {
      const { workflowId, orderId } = this;
      log.error('customer notice failed after every retry; the order goes on', {
        workflowId,
        orderId,
        template,
        error: failureMessage(err),
      });
      await this.recordEvent('customer.notice_failed', 'failed', { template, error: failureMessage(err) });
    }
  }

  /** Each notice once, except `delivered` (a retry after a failed send sends it again). */
  async tellCustomer(template: CustomerNotice): Promise<void> {
    const { workflowId } = this;
    const notices = this.state.status.customerNotices;
    if (template !== 'delivered' && notices.includes(template)) return;
    notices.push(template);
    await notify.notifyCustomer({
      workflowId,
      template,
      dedupeKey: `${workflowId}/${template}/${notices.length}`,
    });
  }

  /**
   * The delivered notice. In a folded run the same task writes the noted events and the
   * delivered state (one round trip where there were three).
   */
  async tellDelivered(): Promise<void> {
    if (!folded()) return this.tellCustomer('delivered');
    const { workflowId } = this;
    const notices = this.state.status.customerNotices;
    notices.push('delivered');
    await notify.deliverOrder({
      workflowId,
      dedupeKey: `${workflowId}/delivered/${notices.length}`,
      events: this.notedEvents,
    });
    this.takeNoted();
    this.stateRecorded = 'delivered';
  }

  /** Stores codes for a line, up to what it still lacks. */
  async storeCodes(
    lineNo: number,
    issued: IssuedCode[],
    supplierOrderId?: string,
    supplier?: string,
  ): Promise<void> {
    const line = this.state.status.lines.find((l) => l.lineNo === lineNo)!;
    const take = issued.slice(0, line.quantity - line.delivered);
    if (!take.length) return;
    const masked = await (localWrites() ? localCodes : codes).storeCodes({
      workflowId: this.workflowId,
      lineNo,
      firstUnit: line.delivered,
      codes: take,
      supplierOrderId,
      ...(supplier ? { supplier } : {}),
    });
    line.delivered += take.length;
    line.masked.push(...masked);
    line.state = line.delivered === line.quantity ? 'delivered' : 'partial';
  }

  /** storeCodes, or a review when a code is already delivered elsewhere (never deliver it twice). */
  async storeCodesOrHold(
    lineNo: number,
    issued: IssuedCode[],
    supplierOrderId?: string,
    supplier?: string,
  ): Promise<Step | undefined> {
    try {
      await this.storeCodes(lineNo, issued, supplierOrderId, supplier);
      return undefined;
    } catch (err) {
      if (failureType(err) !== ErrorType.CodeConflict) throw err;
      return {
        kind: 'review',
        reasons: [{ code: 'CODE_CONFLICT', lineNo, message: `Line ${lineNo}: ${failureMessage(err)}` }],
      };
    }
  }

  /** The customer has their codes; a storefront that refuses the note must not undo that. */
  async updateStorefront(outcome: 'delivered' | 'cancelled'): Promise<void> {
    const { workflowId, orderId } = this;
    try {
      await notify.updateStorefront({ workflowId, outcome });
    } catch (err) {
      log.warn('storefront update failed', { workflowId, orderId, outcome, error: failureMessage(err) });
      await this.recordEvent('storefront.update_failed', 'failed', { outcome, error: failureMessage(err) });
    }
  }
}
