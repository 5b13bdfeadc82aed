// One execution per paid order. Pure orchestration: every effect is an activity, every wait is
// durable, every decision is recorded in the status the `status` query returns.
//
// This file wires the message handlers to the run's state and runs the steps: wait for the
// order and its payment, then check → order → reconcile → deliver, with a review wherever a
// person must decide. The state is order-state.ts; the phases are checks.ts, supplier-steps.ts
// and review.ts; the activities they call are activities.ts.
import { allHandlersFinished, condition, log, setHandler } from '@temporalio/workflow';
import {
  orderDetailsSignal,
  storefrontStatusSignal,
  paymentReceivedSignal,
  redemptionSignal,
  refundRequestedSignal,
  reviewDecisionUpdate,
  statusQuery,
  supplierCallbackSignal,
  supplierStatusSignal,
  type FulfillmentStatus,
  type FulfillOrderInput,
} from '../../shared/contract';
import { orders } from './activities';
import { checkOrder, deliver, reconcileCosts, refund, storefrontHoldStep } from './checks';
import { OrderRun, type Step } from './order-run';
import { review, submitDecision, validateDecision } from './review';
import { applyReport, placeBatch, placeRouted, routing } from './supplier-steps';

export async function fulfillOrder(input: FulfillOrderInput): Promise<FulfillmentStatus> {
  const run = new OrderRun(input);
  const { state } = run;
  // The event the run was started with came before any signal. A continued run's carried state
  // already holds it (continue-as-new passes the input on).
  const opening = input.carried ? undefined : input.opening;
  if (opening && 'orderDetails' in opening) state.receiveOrderDetails(opening.orderDetails);
  if (opening && 'payment' in opening) state.receivePayment(opening.payment);

  setHandler(orderDetailsSignal, (d) => state.receiveOrderDetails(d));
  setHandler(storefrontStatusSignal, (c) => state.receiveStorefrontStatus(c));
  setHandler(paymentReceivedSignal, (p) => state.receivePayment(p));
  setHandler(supplierCallbackSignal, (c) => state.receiveSupplierCallback(c));
  setHandler(supplierStatusSignal, (n) => state.receiveSupplierStatus(n));
  setHandler(redemptionSignal, (n) => state.receiveRedemption(n));
  setHandler(refundRequestedSignal, (r) => state.receiveRefundRequest(r));
  setHandler(statusQuery, () => state.status);
  setHandler(reviewDecisionUpdate, (d) => submitDecision(state, d), {
    validator: (d) => validateDecision(state, d),
  });

  let step = input.carried ? run.resume(input.carried) : await awaitOrderAndPayment(run);
  while (step.kind !== 'end') {
    if (state.refundRequest && step.kind !== 'review' && step.kind !== 'refund') {
      step = { kind: 'review', reasons: [{ code: 'REFUND_REQUESTED', message: state.refundRequest.reason }] };
    }
    // What the store did since (cancelled, refunded, edited after buying) comes before buying or delivering.
    if (
      step.kind === 'check' ||
      step.kind === 'order' ||
      step.kind === 'reconcile' ||
      step.kind === 'deliver'
    ) {
      step = storefrontHoldStep(run) ?? step;
      if (step.kind === 'end') break;
    }
    if (step.kind === 'check') state.applyPayment();
    step = await runStep(run, step);
  }
  return finish(run, step);
}

async function runStep(run: OrderRun, step: Exclude<Step, { kind: 'end' }>): Promise<Step> {
  switch (step.kind) {
    case 'check':
      return checkOrder(run);
    case 'apply':
      return applyReport(run, step.clientOrderId);
    case 'order':
      return routing() ? placeRouted(run) : placeBatch(run);
    case 'reconcile':
      return reconcileCosts(run);
    case 'deliver':
      return deliver(run);
    case 'review':
      return review(run, step.reasons, step.resumed);
    case 'refund':
      return refund(run);
  }
}

/** Waits for the order details and a payment, up to the payment deadline; says what comes first. */
async function awaitOrderAndPayment(run: OrderRun): Promise<Step> {
  const { state, timeouts } = run;
  const paymentDeadline = Date.now() + timeouts.paymentWaitMs;
  state.setState('awaiting_order', paymentDeadline);
  await condition(() => state.details !== undefined, timeouts.paymentWaitMs);
  if (state.details && !state.ready()) {
    state.setState('awaiting_payment', paymentDeadline);
    await condition(
      () => state.ready() || state.storefrontStop !== undefined,
      Math.max(0, paymentDeadline - Date.now()),
    );
  }
  if (state.storefrontStop !== undefined && state.details) return storefrontHoldStep(run)!;
  if (state.ready()) return { kind: 'check' };
  if (state.payment && !state.details) {
    // Money moved but the order never arrived: a person must find it or refund the payment.
    return {
      kind: 'review',
      reasons: [
        {
          code: 'ORDER_MISSING',
          message: `A ${state.payment.source} payment arrived but the order itself never did; find the order or refund the payment.`,
        },
      ],
    };
  }
  return {
    kind: 'end',
    state: 'not_paid',
    reasons: [{ code: 'NOT_PAID', message: 'No payment arrived before the payment deadline.' }],
  };
}

/** Records the final state everywhere it shows (event, customer, storefront, order row). */
async function finish(run: OrderRun, step: Extract<Step, { kind: 'end' }>): Promise<FulfillmentStatus> {
  const { state, workflowId, orderId } = run;
  const { status } = state;
  status.reasons = step.reasons ?? status.reasons;
  state.setState(step.state);
  if (state.details && step.state !== 'delivered')
    await run.recordEvent(`order.${step.state}`, step.state, { reasons: status.reasons.map((r) => r.code) });
  if (step.state === 'refunded') await run.tellCustomerBestEffort('refunded');
  // A cancel the store made itself needs no note back (and a refunded order must not become cancelled).
  const byStore = status.reasons.some(
    (r) => r.code === 'STOREFRONT_CANCELLED' || r.code === 'STOREFRONT_REFUNDED',
  );
  if (step.state === 'cancelled' && state.recorded && !byStore) await run.updateStorefront('cancelled');
  await run.flushEvents();
  if (state.recorded && run.stateRecorded !== step.state)
    await orders.recordOrderState({ workflowId, state: step.state });
  await condition(allHandlersFinished);
  log.info('order finished', { workflowId, orderId, state: status.state });
  return status;
}
