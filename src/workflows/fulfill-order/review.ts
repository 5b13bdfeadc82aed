// A person decides: the review case is opened, reminded until a decision (or a refund request,
// a late supplier report, the missing order) arrives, then closed with the step it leads to.
// validateDecision is the review Update's validator: a pure function of the state.
import { allHandlersFinished, condition, continueAsNew, log, workflowInfo } from '@temporalio/workflow';
import type {
  FulfillmentState,
  FulfillmentStatus,
  Reason,
  ReasonCode,
  ReviewDecision,
} from '../../shared/contract';
import { reviews } from './activities';
import type { fulfillOrder } from './index';
import { storefrontHoldStep } from './checks';
import type { OrderRun, Step } from './order-run';
import { APPROVABLE, isEligibilityReason, type OrderState } from './order-state';

/** Holds the order for a person; returns the step their decision leads to. */
export async function review(run: OrderRun, reasons: Reason[], resumed = false): Promise<Step> {
  const { state, workflowId, orderId, timeouts } = run;
  const { status } = state;
  if (resumed) {
    // The previous run opened this review (its case, its notice); only the wait goes on.
    state.setState('in_review', Date.now() + timeouts.reviewReminderMs);
  } else {
    status.reasons = reasons;
    const openedAt = Date.now();
    status.review = { openedAt: new Date(openedAt).toISOString(), reminders: 0 };
    state.setState('in_review', openedAt + timeouts.reviewReminderMs);
    await run.flushEvents(); // the timeline shows what led here while a person looks
    // Unique per opening, and per run: a reset re-opens a review as a new, visible case.
    await reviews.openReviewCase({
      workflowId,
      reasons,
      dedupeKey: `${workflowId}/review/${workflowInfo().runId}/${state.reviewOpenings++}`,
    });
    log.warn('order held for review', { workflowId, orderId, reasons: reasons.map((r) => r.code) });
    await run.tellCustomerBestEffort('review');
  }
  const open = status.review!;
  for (;;) {
    const decided = await condition(
      () =>
        state.pendingDecision !== undefined ||
        state.refundRequest !== undefined ||
        state.lateBatch() !== undefined ||
        (!state.recorded && state.details !== undefined && reasons[0]?.code === 'ORDER_MISSING') ||
        storeEndsIt(state) ||
        run.historyTooLong(),
      timeouts.reviewReminderMs,
    );
    if (decided && !wakesReview(state, reasons)) {
      // Storefront re-sends keep arriving while a person takes their time: start a fresh history
      // with everything this run knows. Handlers finish first; nothing is lost or repeated.
      await condition(allHandlersFinished);
      if (!wakesReview(state, reasons)) {
        await continueAsNew<typeof fulfillOrder>({ ...run.input, carried: state.carry(run.eventSeq, true) });
      }
      continue;
    }
    if (decided) break;
    open.reminders++;
    state.setState('in_review', Date.now() + timeouts.reviewReminderMs);
    await reviews.remindReview({
      workflowId,
      reminders: open.reminders,
      openedAt: open.openedAt,
    });
  }
  if (!state.pendingDecision && !state.refundRequest && !state.lateBatch() && storeEndsIt(state)) {
    // The store cancelled or refunded an order nothing was bought for: nothing to decide.
    const source = state.details?.channel ?? 'storefront';
    state.leaveReview();
    status.decisions.push({ action: 'cancel', by: `storefront:${source}`, at: new Date().toISOString() });
    await reviews.closeReviewCase({
      workflowId,
      decision: {
        action: 'cancel',
        by: `storefront:${source}`,
        note: `the store marked it ${state.storefrontStop}`,
      },
    });
    return storefrontHoldStep(run)!;
  }
  const { chosen, refundAsked, late } = state.leaveReview();
  if (!chosen && !refundAsked && !late) {
    // The order this payment was for has arrived: check it as usual.
    state.setState('checking');
    await reviews.closeReviewCase({
      workflowId,
      decision: { action: 'retry', by: 'storefront', note: 'order arrived' },
    });
    return { kind: 'check' };
  }
  const decision: ReviewDecision =
    chosen ??
    (refundAsked
      ? { action: 'refund', by: `storefront:${refundAsked.source}`, note: refundAsked.reason }
      : { action: 'retry', by: 'supplier', note: `late report for ${late}` });
  status.decisions.push({
    action: decision.action,
    by: decision.by,
    at: new Date().toISOString(),
    note: decision.note,
  });
  const next: Step = late ? { kind: 'apply', clientOrderId: late } : stepAfter(state, decision, reasons);
  state.setState(stateOnTheWayTo(next));
  await reviews.closeReviewCase({ workflowId, decision });
  // The update answers once the review case is closed, with the state the order moved to.
  state.pendingDecision = undefined;
  if (decision.action === 'markDelivered') {
    for (const entry of decision.codes ?? []) {
      const held = await run.storeCodesOrHold(entry.lineNo, entry.codes);
      if (held) return held;
    }
  }
  return next;
}

/** Holds from the store's own actions: a decision other than cancel/refund approves them. */
const STOREFRONT_HOLDS: ReasonCode[] = ['STOREFRONT_CANCELLED', 'STOREFRONT_REFUNDED', 'STOREFRONT_EDITED'];

/** Reasons where every code is stored and a retry means "deliver it now" (the advice says so). */
const RETRY_DELIVERS: ReasonCode[] = ['DELIVERY_FAILED', ...STOREFRONT_HOLDS];

/** The store cancelled or refunded an order nothing was bought for: the review has nothing to decide. */
function storeEndsIt(state: OrderState): boolean {
  const hold = state.storefrontHold();
  return (hold === 'STOREFRONT_CANCELLED' || hold === 'STOREFRONT_REFUNDED') && !state.boughtAnything();
}

/** Something other than a long history ends the wait (a decision, a refund, a late batch, the order). */
function wakesReview(state: OrderState, reasons: Reason[]): boolean {
  return (
    state.pendingDecision !== undefined ||
    state.refundRequest !== undefined ||
    state.lateBatch() !== undefined ||
    (!state.recorded && state.details !== undefined && reasons[0]?.code === 'ORDER_MISSING') ||
    storeEndsIt(state)
  );
}

/** Where a person's decision leads; a retry approves the approvable reasons it overrides. */
function stepAfter(state: OrderState, decision: ReviewDecision, reasons: Reason[]): Step {
  // A person who decides anything but cancel/refund on a storefront hold has seen it.
  if (decision.action !== 'cancel' && decision.action !== 'refund') {
    for (const r of reasons) if (STOREFRONT_HOLDS.includes(r.code)) state.approved.add(r.code);
  }
  if (decision.action === 'acceptCost') {
    state.approved.add('COST_ABOVE_PAID');
    return { kind: 'reconcile' };
  }
  if (decision.action === 'retry') {
    for (const r of reasons) if (APPROVABLE.includes(r.code)) state.approved.add(r.code);
    // A line that ran out of sources tries them all again.
    for (const l of state.status.lines) {
      if (l.sources && (l.sourceIdx ?? 0) >= l.sources.length) {
        l.sourceIdx = 0;
        state.refusals.delete(l.lineNo);
      }
    }
    const hold = reasons.some((r) => isEligibilityReason(r.code)) || state.eligible.length === 0;
    return hold ? { kind: 'check' } : state.missingUnits().length ? { kind: 'order' } : { kind: 'reconcile' };
  }
  if (decision.action === 'markDelivered') return { kind: 'reconcile' };
  if (decision.action === 'refund') return { kind: 'refund' };
  return { kind: 'end', state: 'cancelled' };
}

/** The state the order shows (and the Update answers with) while it moves on to `next`. */
function stateOnTheWayTo(next: Step): FulfillmentState {
  if (next.kind === 'check' || next.kind === 'refund') return 'checking';
  if (next.kind === 'order') return 'ordering';
  if (next.kind === 'end') return 'cancelled';
  return 'delivering';
}

/** The review Update's handler: the decision is applied by `review`, which then answers. */
export async function submitDecision(
  state: OrderState,
  decision: ReviewDecision,
): Promise<FulfillmentStatus> {
  state.pendingDecision = decision;
  await condition(() => state.pendingDecision === undefined);
  return state.status;
}

/** The review Update's validator: throws (and the Update is rejected) when the decision can't apply. */
export function validateDecision(state: OrderState, d: ReviewDecision): void {
  const { status } = state;
  if (status.state !== 'in_review' || !status.review)
    throw new Error(`There is no open review for this order (state: ${status.state}).`);
  if (state.pendingDecision) throw new Error('Another decision is already being applied.');
  if (!d.by?.trim()) throw new Error('A decision must say who made it ("by").');
  if (!state.details && d.action !== 'cancel') {
    throw new Error(
      'No order is recorded for this payment: refund it in the payment gateway, then cancel (or wait for the order).',
    );
  }
  if (
    d.action === 'retry' &&
    state.missingUnits().length === 0 &&
    !status.reasons.some((r) => isEligibilityReason(r.code) || RETRY_DELIVERS.includes(r.code))
  ) {
    throw new Error('Nothing is left to retry: every line is delivered.');
  }
  if (d.action === 'acceptCost' && !status.reasons.some((r) => r.code === 'COST_ABOVE_PAID')) {
    throw new Error('acceptCost applies only when the supplier charged more than the customer paid.');
  }
  if (d.action === 'markDelivered') {
    const missing = new Map(
      status.lines.filter((l) => l.state !== 'ignored').map((l) => [l.lineNo, l.quantity - l.delivered]),
    );
    const given = new Map<number, number>();
    for (const entry of d.codes ?? []) {
      if (!missing.has(entry.lineNo))
        throw new Error(`Line ${entry.lineNo} is not a code line of this order.`);
      if (entry.codes.some((c) => !c.code?.trim()))
        throw new Error(`Line ${entry.lineNo} has an empty code.`);
      given.set(entry.lineNo, (given.get(entry.lineNo) ?? 0) + entry.codes.length);
    }
    for (const [lineNo, count] of missing) {
      if ((given.get(lineNo) ?? 0) !== count) {
        throw new Error(
          `Line ${lineNo} needs exactly ${count} code(s) to be marked delivered, got ${given.get(lineNo) ?? 0}.`,
        );
      }
    }
  }
}
