// A person decides: the review case is opened, reminded until a decision (or a refund request,
// a late supplier report, the missing order) arrives, then closed with the step it leads to.
// validateDecision is the review Update's validator: a pure function of the state.
import { condition, log } from '@temporalio/workflow';
import type { FulfillmentState, FulfillmentStatus, Reason, ReviewDecision } from '../../shared/contract';
import { reviews } from './activities';
import type { OrderRun, Step } from './order-run';
import { APPROVABLE, isEligibilityReason, type OrderState } from './order-state';

/** Holds the order for a person; returns the step their decision leads to. */
export async function review(run: OrderRun, reasons: Reason[]): Promise<Step> {
  const { state, workflowId, orderId, timeouts } = run;
  const { status } = state;
  status.reasons = reasons;
  const openedAt = Date.now();
  status.review = { openedAt: new Date(openedAt).toISOString(), reminders: 0 };
  state.setState('in_review', openedAt + timeouts.reviewReminderMs);
  await reviews.openReviewCase({
    workflowId,
    reasons,
    dedupeKey: `${workflowId}/review/${status.decisions.length}`,
  });
  log.warn('order held for review', { workflowId, orderId, reasons: reasons.map((r) => r.code) });
  await run.tellCustomer('review');
  for (;;) {
    const decided = await condition(
      () =>
        state.pendingDecision !== undefined ||
        state.refundRequest !== undefined ||
        state.lateBatch() !== undefined ||
        (!state.recorded && state.details !== undefined && reasons[0]?.code === 'ORDER_MISSING'),
      timeouts.reviewReminderMs,
    );
    if (decided) break;
    status.review.reminders++;
    state.setState('in_review', Date.now() + timeouts.reviewReminderMs);
    await reviews.remindReview({
      workflowId,
      reminders: status.review.reminders,
      openedAt: status.review.openedAt,
    });
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

/** Where a person's decision leads; a retry approves the approvable reasons it overrides. */
function stepAfter(state: OrderState, decision: ReviewDecision, reasons: Reason[]): Step {
  if (decision.action === 'retry') {
    for (const r of reasons) if (APPROVABLE.includes(r.code)) state.approved.add(r.code);
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
    !status.reasons.some((r) => isEligibilityReason(r.code))
  ) {
    throw new Error('Nothing is left to retry: every line is delivered.');
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
