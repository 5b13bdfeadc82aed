// Buying the codes: place a batch with the supplier, wait for its report (webhook, else a
// lookup), and hand the codes of a settled batch to the lines that lack them.
import { ActivityFailure, ApplicationFailure, condition, log, patched } from '@temporalio/workflow';
import { ErrorType, supplierClientOrderId, supplierIdempotencyKey } from '../../shared/contract';
import { failureMessage } from './activities';
import { storefrontHoldStep } from './checks';
import type { OrderRun, Step } from './order-run';
import { isTerminal, markLines, type MissingUnits } from './order-state';

/** Places one batch for every unit still missing (after asking about a batch that may have settled). */
export async function placeBatch(run: OrderRun): Promise<Step> {
  const { state, workflowId, storeId, orderId } = run;
  const { status } = state;
  // A retry after a supplier timeout: the last batch may have completed since. Never buy
  // again what the supplier may still deliver: ask it first.
  // A batch that settled while a person was deciding (its webhook, or the nightly reconcile)
  // is applied first: buying again would pay twice for the same units.
  const settled = state.lateBatch();
  if (settled && patched('apply-settled-batch-before-buying')) return applyReport(run, settled);
  const last = status.batches.at(-1);
  if (last && last.state === 'pending' && !state.appliedBatches.has(last.clientOrderId)) {
    try {
      const found = await run.supplier.lookupSupplierOrder({ workflowId, clientOrderId: last.clientOrderId });
      if (found) state.mergeReport(found);
    } catch (err) {
      // Never buy again what the supplier may still deliver: without an answer, a person decides.
      return {
        kind: 'review',
        reasons: [
          {
            code: 'SUPPLIER_FAILED',
            message: `The supplier could not be asked about batch ${last.clientOrderId} (${failureMessage(err)}); check it with the supplier before retrying.`,
          },
        ],
      };
    }
    if (state.lateBatch()) return applyReport(run, state.lateBatch()!);
    log.warn('previous batch still pending at the supplier; placing a new batch as decided', {
      workflowId,
      orderId,
      clientOrderId: last.clientOrderId,
    });
  }
  const batchNo = status.batches.length + 1;
  const clientOrderId = supplierClientOrderId(storeId, orderId, batchNo);
  const wanted = state.missingUnits();
  // One supplier line per product; codes are split back onto storefront lines in line order.
  const products = new Map<string, number>();
  for (const { line, count } of wanted) {
    products.set(line.supplierProduct!, (products.get(line.supplierProduct!) ?? 0) + count);
    line.state = 'ordered';
  }
  status.batches.push({ batch: batchNo, clientOrderId, state: 'pending' });
  // What was bought on: a later edit of the lines or total in the store goes to review.
  state.boughtOn ??= { total: state.details!.total, lines: state.details!.lines };
  state.setState('ordering');
  try {
    status.supplierAttempts++;
    const report = await run.supplier.placeSupplierOrder({
      workflowId,
      clientOrderId,
      idempotencyKey: supplierIdempotencyKey(storeId, orderId, batchNo),
      lines: [...products].map(([product, quantity]) => ({ product, quantity })),
    });
    state.mergeReport(report);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : undefined;
    if (cause instanceof ApplicationFailure && cause.type === ErrorType.SupplierOutcomeUnknown) {
      // The order call may still land: never send it again; wait for its webhook or find it by
      // lookup, and a person decides if it never shows (SUPPLIER_TIMEOUT).
      log.warn('supplier order outcome unknown; looking it up instead of re-sending', {
        workflowId,
        orderId,
        clientOrderId,
      });
      await run.recordEvent('supplier.order_outcome_unknown', 'unknown', { clientOrderId, batch: batchNo });
      return awaitSupplier(run, clientOrderId, wanted);
    }
    const rejected = cause instanceof ApplicationFailure && cause.type === ErrorType.SupplierRejected;
    markLines(wanted, 'review');
    return {
      kind: 'review',
      reasons: [
        rejected
          ? { code: 'SUPPLIER_REJECTED', message: `The supplier rejected the order: ${cause.message}` }
          : { code: 'SUPPLIER_FAILED', message: 'The supplier could not be reached after every retry.' },
      ],
    };
  }
  await run.recordEvent('supplier.order_placed', 'ok', { clientOrderId, batch: batchNo });
  return awaitSupplier(run, clientOrderId, wanted);
}

/** Waits for the batch's webhook, asking the supplier after each wait, up to supplierMaxWaitMs. */
async function awaitSupplier(run: OrderRun, clientOrderId: string, wanted: MissingUnits[]): Promise<Step> {
  const { state, workflowId, orderId, timeouts } = run;
  const giveUpAt = Date.now() + timeouts.supplierMaxWaitMs;
  const settled = () => isTerminal(state.reports.get(clientOrderId)?.state);
  const storeSaysStop = () => state.storefrontHold() !== undefined;
  while (!settled()) {
    const wait = Math.min(timeouts.supplierWebhookWaitMs, giveUpAt - Date.now());
    state.setState('awaiting_supplier', Date.now() + wait);
    if (wait > 0 && (await condition(() => settled() || storeSaysStop(), wait)) && settled()) break;
    if (storeSaysStop()) {
      // The store cancelled or refunded while the supplier works: a person decides; a late
      // report is still applied in the review (codes stored, never sent).
      markLines(wanted, 'review');
      return storefrontHoldStep(run)!;
    }
    // No webhook in time: ask the supplier, and tell the customer it is processing (not failed).
    try {
      const found = await run.supplier.lookupSupplierOrder({ workflowId, clientOrderId });
      if (found) state.mergeReport(found);
    } catch (err) {
      log.warn('supplier status lookup failed; waiting on', {
        workflowId,
        orderId,
        error: failureMessage(err),
      });
    }
    if (settled()) break;
    await run.tellCustomerBestEffort('processing');
    if (Date.now() >= giveUpAt) {
      markLines(wanted, 'review');
      return {
        kind: 'review',
        reasons: [
          {
            code: 'SUPPLIER_TIMEOUT',
            message: `The supplier has not completed order ${clientOrderId} within ${Math.round(
              timeouts.supplierMaxWaitMs / 1000,
            )}s; check it with the supplier before retrying.`,
          },
        ],
      };
    }
  }
  return applyReport(run, clientOrderId);
}

/** Hands a settled batch's codes to the lines still missing that product, in line order. */
export async function applyReport(run: OrderRun, clientOrderId: string): Promise<Step> {
  const { state } = run;
  const report = state.reports.get(clientOrderId)!;
  state.appliedBatches.add(clientOrderId);
  for (const result of report.lines) {
    const issued = [...result.codes];
    for (const { line } of state.missingUnits().filter((m) => m.line.supplierProduct === result.product)) {
      const held = await run.storeCodesOrHold(
        line.lineNo,
        issued.splice(0, line.quantity - line.delivered),
        report.supplierOrderId,
      );
      if (held) return held;
    }
  }
  await run.recordEvent(`supplier.${report.state}`, report.state, {
    clientOrderId,
    supplierOrderId: report.supplierOrderId,
  });
  const missing = state.missingUnits();
  if (!missing.length) return { kind: 'reconcile' };
  markLines(missing, 'review');
  const asked = report.lines.reduce((n, l) => n + l.quantity, 0);
  const got = report.lines.reduce((n, l) => n + l.codes.length, 0);
  return {
    kind: 'review',
    reasons: [
      got > 0
        ? {
            code: 'PARTIAL_DELIVERY',
            message: `The supplier delivered ${got} of ${asked} code(s); lines ${missing
              .map((m) => m.line.lineNo)
              .join(', ')} are missing.`,
          }
        : { code: 'SUPPLIER_FAILED', message: `The supplier reported order ${clientOrderId} as failed.` },
    ],
  };
}
