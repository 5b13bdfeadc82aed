// Every call to the supplier goes through supplierCall: it times the call for the metrics and
// maps supplier errors onto Temporal's retry semantics.
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../shared/contract';
import type { Metrics } from '../observability/metrics';
import {
  SupplierOutcomeUnknownError,
  SupplierRateLimitedError,
  SupplierRejectedError,
} from '../suppliers/supplier';

export async function supplierCall<T>(
  metrics: Metrics | undefined,
  what: string,
  fn: () => Promise<T>,
): Promise<T> {
  const started = Date.now();
  try {
    const result = await fn();
    metrics?.supplierCall(what, 'ok', Date.now() - started);
    return result;
  } catch (err) {
    metrics?.supplierCall(what, (err as Error).name, Date.now() - started);
    if (err instanceof SupplierRejectedError) {
      throw ApplicationFailure.nonRetryable(err.message, ErrorType.SupplierRejected, {
        status: err.status,
      });
    }
    if (err instanceof SupplierOutcomeUnknownError) {
      throw ApplicationFailure.nonRetryable(err.message, ErrorType.SupplierOutcomeUnknown);
    }
    if (err instanceof SupplierRateLimitedError) {
      throw ApplicationFailure.create({
        message: err.message,
        type: ErrorType.SupplierRateLimited,
        nextRetryDelay: err.retryAfterMs,
      });
    }
    throw err;
  }
}
