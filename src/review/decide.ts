// One way to decide a held order, for every place a person decides (the admin exceptions page,
// `npm run ops -- decide|replay`): check the decision's shape, send the workflow's
// `reviewDecision` Update with a deadline, and turn each way it can fail into one
// ReviewDecisionError whose `reason` both callers show as is. The workflow records the decision
// (its status, the review case's `decidedBy`); this module adds nothing of its own to record.
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { Logger } from 'pino';
import {
  reviewDecisionUpdate,
  type FulfillmentStatus,
  type ReviewAction,
  type ReviewDecision,
} from '../shared/contract';

export const REVIEW_ACTIONS: readonly ReviewAction[] = [
  'retry',
  'markDelivered',
  'acceptCost',
  'refund',
  'cancel',
];

/**
 * invalid: the decision is malformed (no such action, no `by`), nothing was sent;
 * refused: the workflow's validator said no (`reason` is its message);
 * not_running: no running workflow with that id;
 * timeout: no answer before the deadline (the Update may still apply);
 * unavailable: Temporal did not take the Update (connection, server error).
 */
export type DecisionFailure = 'invalid' | 'refused' | 'not_running' | 'timeout' | 'unavailable';

export class ReviewDecisionError extends Error {
  override name = 'ReviewDecisionError';
  constructor(
    readonly kind: DecisionFailure,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export const DEFAULT_DECISION_TIMEOUT_MS = 15_000;

export interface DecideOptions {
  /** How long to wait for the workflow's answer. */
  timeoutMs?: number;
  /** Gets one line per decision (applied, refused, timed out, not delivered), with `context`. */
  logger?: Logger;
  context?: Record<string, unknown>;
}

/** Throws ReviewDecisionError('invalid') unless the decision can be sent at all. */
export function checkDecision(decision: ReviewDecision): void {
  if (!REVIEW_ACTIONS.includes(decision.action))
    throw new ReviewDecisionError('invalid', `The action is one of ${REVIEW_ACTIONS.join(', ')}.`);
  if (!decision.by?.trim())
    throw new ReviewDecisionError('invalid', 'A decision must say who made it ("by").');
}

export async function decideReview(
  client: Client,
  workflowId: string,
  decision: ReviewDecision,
  opts: DecideOptions = {},
): Promise<FulfillmentStatus> {
  checkDecision(decision);
  const ctx = { ...opts.context, workflowId, action: decision.action, by: decision.by };
  const log = opts.logger;
  try {
    const status = await client.withDeadline(
      Date.now() + (opts.timeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS),
      () => client.workflow.getHandle(workflowId).executeUpdate(reviewDecisionUpdate, { args: [decision] }),
    );
    log?.info({ ...ctx, state: status.state }, 'review decision applied');
    return status;
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      const why = err.cause?.message ?? err.message;
      log?.warn({ ...ctx, reason: why }, 'review decision refused by the workflow');
      throw new ReviewDecisionError('refused', why);
    }
    if (err instanceof WorkflowNotFoundError)
      throw new ReviewDecisionError('not_running', `There is no running workflow ${workflowId}.`);
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
      log?.warn(ctx, 'review decision timed out');
      throw new ReviewDecisionError(
        'timeout',
        'The workflow did not answer in time (is a worker running?). The decision may still apply; look again in a moment.',
      );
    }
    const message = err instanceof Error ? err.message : String(err);
    log?.warn({ ...ctx, err: message }, 'review decision not delivered');
    throw new ReviewDecisionError('unavailable', `Temporal did not take the decision: ${message}`);
  }
}
