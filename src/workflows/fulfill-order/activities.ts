// The activities fulfillOrder calls: one typed proxy per kind of work, each with the timeouts
// and retry policy that kind of work needs. A proxy only offers its own kind's activities, so
// a supplier call through the database proxy (and its retry policy) does not type-check.
import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type {
  CodeActivities,
  NotifyActivities,
  OrderActivities,
  PoolActivities,
  ReviewActivities,
  SupplierActivities,
} from '../../activities';
import { ErrorType, type FulfillmentTimeouts } from '../../shared/contract';

/**
 * Database writes: quick and idempotent (each keyed), so they keep trying with a capped backoff
 * for as long as the database is away. Failing the order instead would strand codes already
 * bought. Errors retrying cannot fix (an unknown store, a code conflict) are non-retryable.
 */
const DATABASE: ActivityOptions = {
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
};

export const orders = proxyActivities<OrderActivities>(DATABASE);
export const codes = proxyActivities<CodeActivities>(DATABASE);
export const reviews = proxyActivities<ReviewActivities>(DATABASE);
/**
 * Recording the order and storing codes are short database writes: run as local activities (in
 * the worker that runs the workflow task, no task round trip through the server), with the same
 * keep-trying policy; a backoff longer than 10 s becomes a durable timer.
 */
const LOCAL_DATABASE: LocalActivityOptions = {
  ...DATABASE,
  localRetryThreshold: '10s',
};
export const localOrders = proxyLocalActivities<Pick<OrderActivities, 'recordOrder'>>(LOCAL_DATABASE);
export const localCodes = proxyLocalActivities<CodeActivities>(LOCAL_DATABASE);

/** Taking pool codes is a database write like the others (idempotent per order line). */
export const pool = proxyActivities<PoolActivities>(DATABASE);

export const notify = proxyActivities<NotifyActivities>({
  // Longer than the SMTP client's own connect + send timeouts, so a slow send is not retried
  // while the first attempt may still deliver. The activity heartbeats while it sends
  // (keepAlive), so a worker that dies mid-send is noticed after 10 s, not 90 s.
  startToCloseTimeout: '90s',
  heartbeatTimeout: '10s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});

/** The balance check must never hold up delivery: a few quick tries, then give up. */
export const balanceCheck = proxyActivities<Pick<SupplierActivities, 'checkSupplierBalance'>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});

export type SupplierProxy = Omit<SupplierActivities, 'checkSupplierBalance'>;

/**
 * Supplier calls: the call timeout comes from the order's input; a rejection is not retried.
 * placeSupplierOrder makes two calls in one attempt (look the batch up, then POST it), so its
 * attempt outlives both HTTP timeouts: the attempt's own POST is always aborted before Temporal
 * could start a retry, and a retry's lookup never races a POST still in flight.
 */
export function supplierActivities(timeouts: FulfillmentTimeouts): SupplierProxy {
  const retry: ActivityOptions['retry'] = {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '5m',
    maximumAttempts: timeouts.supplierMaxAttempts ?? 12,
    nonRetryableErrorTypes: [ErrorType.SupplierRejected, ErrorType.PriceAboveMax],
  };
  const oneCall = proxyActivities<SupplierProxy>({
    startToCloseTimeout: timeouts.supplierCallTimeoutMs,
    retry,
  });
  const lookupThenPost = proxyActivities<Pick<SupplierProxy, 'placeSupplierOrder'>>({
    startToCloseTimeout: 2 * timeouts.supplierCallTimeoutMs,
    retry,
  });
  return {
    placeSupplierOrder: lookupThenPost.placeSupplierOrder,
    lookupSupplierOrder: oneCall.lookupSupplierOrder,
    checkRedemption: oneCall.checkRedemption,
  };
}

/** The error type an activity failed with (an ApplicationFailure's type), if any. */
export function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

/** What an activity failure says, for a log line or a review reason. */
export function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
