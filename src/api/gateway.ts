// The API's only way into Temporal: translate a verified event into one start or signal.
import { WorkflowIdReusePolicy, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import {
  fulfillmentWorkflowId,
  orderDetailsSignal,
  paymentReceivedSignal,
  redemptionSignal,
  refundRequestedSignal,
  SA,
  storefrontStatusSignal,
  supplierCallbackSignal,
  supplierStatusSignal,
  type FulfillmentState,
  type FulfillmentTimeouts,
  type OpeningEvent,
  type OrderDetails,
  type PaymentReceived,
  type RedemptionNotice,
  type RefundRequest,
  type StorefrontStatusChange,
  type SupplierCallback,
  type SupplierStatusNotice,
  WORKFLOW_TYPE,
} from '../shared/contract';
import { heardBy } from '../temporal/history';
import type { fulfillOrder } from '../workflows';

export type Delivery = 'started_or_signalled' | 'already_closed' | 'signalled' | 'not_found';

/** What the API may know about an order before accepting a payment for it (Pay'nUp). */
export interface OrderFacts {
  /** The workflow is still running (it can take a payment). */
  running: boolean;
  /** Its CardbridgeStatus (the final state once closed). */
  state?: FulfillmentState;
  /** Execution status name: RUNNING, COMPLETED, TERMINATED, ... */
  executionStatus: string;
  /** The storefront's order as the workflow received it; absent while only a payment arrived. */
  order?: { total: string; currency: string; paid: boolean };
  /** Event ids of the payments (opening event or paymentReceived signals) the workflow received, in order. */
  payments: string[];
}

export interface Gateway {
  /** Reads the order's workflow (describe + the order and payments it heard); undefined when none exists. */
  orderFacts(storeId: string, orderId: string): Promise<OrderFacts | undefined>;
  /** Start or signal: a paid order (or one with a payment on its way) starts its workflow. */
  orderDetails(storeId: string, orderId: string, details: OrderDetails): Promise<Delivery>;
  /** A plain signal: reaches the order's workflow if one exists, never starts one (not_found). */
  orderUpdate(storeId: string, orderId: string, details: OrderDetails): Promise<Delivery>;
  /** A storefront status without a snapshot (WooCommerce order.deleted / order.restored). */
  storefrontStatus(storeId: string, orderId: string, change: StorefrontStatusChange): Promise<Delivery>;
  payment(storeId: string, orderId: string, payment: PaymentReceived): Promise<Delivery>;
  supplierCallback(workflowId: string, callback: SupplierCallback): Promise<Delivery>;
  supplierStatus(workflowId: string, notice: SupplierStatusNotice): Promise<Delivery>;
  redemption(storeId: string, orderId: string, notice: RedemptionNotice): Promise<Delivery>;
  refundRequested(storeId: string, orderId: string, request: RefundRequest): Promise<Delivery>;
}

export interface GatewayOptions {
  /**
   * Deadline of one request's Temporal calls (default 1 s, API_TEMPORAL_TIMEOUT). Temporal unreachable = the call
   * fails within this, and the webhook answers 503 so the sender delivers again.
   */
  deadlineMs?: number;
}

export function createGateway(
  client: Client,
  taskQueue: string,
  timeouts: FulfillmentTimeouts,
  opts: GatewayOptions = {},
): Gateway {
  const deadlineMs = opts.deadlineMs ?? 1_000;
  /**
   * Every Temporal call of one request shares one deadline. The client's own retry of an
   * unavailable server may wait past it before noticing, so the answer does not wait for that:
   * a call still pending at the deadline has failed (gRPC will not send it after the deadline).
   */
  const bounded =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const deadline = Date.now() + deadlineMs;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Temporal did not answer within ${deadlineMs} ms`)),
          deadlineMs + 50,
        );
      });
      const call = client.withDeadline(deadline, () => fn(...args));
      call.catch(() => undefined); // after the race is lost, its own failure is no news
      return Promise.race([call, late]).finally(() => clearTimeout(timer));
    };

  /**
   * Whichever of order and payment arrives first starts the workflow, carrying the event in its
   * input (`opening`); an order whose workflow exists gets the event as a signal. Temporal spends
   * less on a plain start than on a signal-with-start (P2 in BENCHMARKS.md), and a new order is
   * the common case. A closed workflow is never started again (REJECT_DUPLICATE), so a late
   * re-delivery cannot buy a second code: its start is refused and its signal finds the workflow
   * closed.
   */
  async function startOrSignal<T>(
    storeId: string,
    orderId: string,
    opening: OpeningEvent,
    def: SignalDefinition<[T]>,
    arg: T,
  ): Promise<Delivery> {
    const workflowId = fulfillmentWorkflowId(storeId, orderId);
    try {
      await client.workflow.start<typeof fulfillOrder>(WORKFLOW_TYPE, {
        workflowId,
        taskQueue,
        args: [{ storeId, orderId, timeouts, opening }],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
      return 'started_or_signalled';
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return (await signal(workflowId, def, arg)) === 'signalled' ? 'started_or_signalled' : 'already_closed';
  }

  async function signal<T>(workflowId: string, def: SignalDefinition<[T]>, arg: T): Promise<Delivery> {
    try {
      await client.workflow.getHandle(workflowId).signal(def, arg);
      return 'signalled';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        // Not running: closed (answer 2xx, nothing to do) or never existed (404).
        try {
          await client.workflow.getHandle(workflowId).describe();
          return 'already_closed';
        } catch (e) {
          if (e instanceof WorkflowNotFoundError) return 'not_found';
          throw e;
        }
      }
      throw err;
    }
  }

  async function orderFacts(storeId: string, orderId: string): Promise<OrderFacts | undefined> {
    const handle = client.workflow.getHandle(fulfillmentWorkflowId(storeId, orderId));
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    // The order's amount lives in the orderDetails event it received (the status has no total).
    let order: OrderFacts['order'];
    const payments: string[] = [];
    for (const heard of await heardBy(await handle.fetchHistory(), client.options.loadedDataConverter)) {
      if (heard.name === paymentReceivedSignal.name) {
        payments.push((heard.arg as PaymentReceived).eventId);
        continue;
      }
      if (heard.name !== orderDetailsSignal.name) continue;
      const d = heard.arg as OrderDetails;
      if (!order) order = { total: d.total, currency: d.currency, paid: d.paid };
      else if (d.paid) order.paid = true;
    }
    return {
      running: description.status.name === 'RUNNING',
      executionStatus: description.status.name,
      state: description.typedSearchAttributes.get(SA.status) as FulfillmentState | undefined,
      order,
      payments,
    };
  }

  return {
    orderFacts: bounded(orderFacts),
    orderDetails: bounded((storeId: string, orderId: string, details: OrderDetails) =>
      startOrSignal(storeId, orderId, { orderDetails: details }, orderDetailsSignal, details),
    ),
    orderUpdate: bounded((storeId: string, orderId: string, details: OrderDetails) =>
      signal(fulfillmentWorkflowId(storeId, orderId), orderDetailsSignal, details),
    ),
    storefrontStatus: bounded((storeId: string, orderId: string, change: StorefrontStatusChange) =>
      signal(fulfillmentWorkflowId(storeId, orderId), storefrontStatusSignal, change),
    ),
    payment: bounded((storeId: string, orderId: string, payment: PaymentReceived) =>
      startOrSignal(storeId, orderId, { payment }, paymentReceivedSignal, payment),
    ),
    supplierCallback: bounded((workflowId: string, callback: SupplierCallback) =>
      signal(workflowId, supplierCallbackSignal, callback),
    ),
    supplierStatus: bounded((workflowId: string, notice: SupplierStatusNotice) =>
      signal(workflowId, supplierStatusSignal, notice),
    ),
    redemption: bounded((storeId: string, orderId: string, notice: RedemptionNotice) =>
      signal(fulfillmentWorkflowId(storeId, orderId), redemptionSignal, notice),
    ),
    refundRequested: bounded((storeId: string, orderId: string, request: RefundRequest) =>
      signal(fulfillmentWorkflowId(storeId, orderId), refundRequestedSignal, request),
    ),
  };
}
