// One fulfillOrder run: its ids, its timeouts, its state, and the few effects every phase
// shares (an event row, a customer notice, storing codes, the storefront note). The phases
// (checks.ts, supplier-steps.ts, review.ts) are functions of a run that return the next Step.
import { log } from '@temporalio/workflow';
import {
  ErrorType,
  fulfillmentWorkflowId,
  type FulfillmentState,
  type FulfillmentTimeouts,
  type FulfillOrderInput,
  type IssuedCode,
  type Reason,
} from '../../shared/contract';
import {
  codes,
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
  | { kind: 'review'; reasons: Reason[] }
  | { kind: 'refund' }
  | { kind: 'apply'; clientOrderId: string }
  | { kind: 'end'; state: FulfillmentState; reasons?: Reason[] };

export type CustomerNotice = 'processing' | 'review' | 'delivered' | 'refunded' | 'cancelled';

export class OrderRun {
  readonly workflowId: string;
  readonly storeId: string;
  readonly orderId: string;
  readonly timeouts: FulfillmentTimeouts;
  readonly state: OrderState;
  /** Supplier activities with this order's call timeout. */
  readonly supplier: SupplierProxy;
  private eventSeq = 0;

  constructor(input: FulfillOrderInput) {
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

  /** A fulfillment event row, numbered in the order the run records them. */
  async recordEvent(
    type: string,
    status: string,
    detail: Record<string, unknown> = {},
    lineNo?: number,
  ): Promise<void> {
    const { workflowId } = this;
    await orders.recordEvent({
      workflowId,
      type,
      status,
      lineNo,
      details: detail,
      dedupeKey: `${workflowId}/${type}/${this.eventSeq++}`,
    });
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

  /** Stores codes for a line, up to what it still lacks. */
  async storeCodes(lineNo: number, issued: IssuedCode[], supplierOrderId?: string): Promise<void> {
    const line = this.state.status.lines.find((l) => l.lineNo === lineNo)!;
    const take = issued.slice(0, line.quantity - line.delivered);
    if (!take.length) return;
    const masked = await codes.storeCodes({
      workflowId: this.workflowId,
      lineNo,
      firstUnit: line.delivered,
      codes: take,
      supplierOrderId,
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
  ): Promise<Step | undefined> {
    try {
      await this.storeCodes(lineNo, issued, supplierOrderId);
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
