// Buying the codes: place a batch with the supplier, wait for its report (webhook, else a
// lookup), and hand the codes of a settled batch to the lines that lack them.
import { ActivityFailure, ApplicationFailure, condition, log, patched } from '@temporalio/workflow';
import {
  ErrorType,
  POOL_SOURCE,
  supplierClientOrderId,
  supplierIdempotencyKey,
  type LineSource,
  type LineStatus,
  type Reason,
} from '../../shared/contract';
import type { EventRow } from '../../activities/order-rows';
import { failureMessage, failureType, pool } from './activities';
import { storefrontHoldStep } from './checks';
import { folded, type OrderRun, type Step } from './order-run';
import { isTerminal, markLines, type MissingUnits } from './order-state';

/** Places one batch for every unit still missing (after asking about a batch that may have settled). */
export async function placeBatch(run: OrderRun): Promise<Step> {
  const { state, workflowId, storeId, orderId } = run;
  const { status } = state;
  // A batch that settled while a person was deciding (its webhook, or the nightly reconcile)
  // is applied first: buying again would pay twice for the same units.
  const settled = state.lateBatch();
  if (settled && patched('apply-settled-batch-before-buying')) return applyReport(run, settled);
  const asked = await askAboutPendingBatch(run);
  if (asked) return asked;
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
      ...placedEvents(run, { clientOrderId, batch: batchNo }),
    });
    state.mergeReport(report);
    run.takeNoted(); // placeSupplierOrder wrote them
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
  if (!folded()) await run.recordEvent('supplier.order_placed', 'ok', { clientOrderId, batch: batchNo });
  return awaitSupplier(run, clientOrderId, wanted);
}

/**
 * What placeSupplierOrder writes once the batch is placed (folded runs): the rows noted before
 * it and `supplier.order_placed`. The run forgets them only once the call succeeded (takeNoted).
 */
function placedEvents(run: OrderRun, detail: Record<string, unknown>): { events?: EventRow[] } {
  if (!folded()) return {};
  return { events: [...run.notedEvents, run.event('supplier.order_placed', 'ok', detail)] };
}

/** Waits for the batch's webhook, asking the supplier after each wait, up to supplierMaxWaitMs. */
async function awaitSupplier(run: OrderRun, clientOrderId: string, wanted: MissingUnits[]): Promise<Step> {
  const { state, workflowId, orderId, timeouts } = run;
  const giveUpAt = Date.now() + timeouts.supplierMaxWaitMs;
  const settled = () => isTerminal(state.reports.get(clientOrderId)?.state);
  const storeSaysStop = () => state.storefrontHold() !== undefined;
  if (!settled()) await run.flushEvents();
  while (!settled()) {
    const wait = Math.min(timeouts.supplierWebhookWaitMs, giveUpAt - Date.now());
    state.setState('awaiting_supplier', Date.now() + wait);
    const nudged = () => state.nudged.has(clientOrderId);
    if (wait > 0 && (await condition(() => settled() || storeSaysStop() || nudged(), wait)) && settled())
      break;
    state.nudged.delete(clientOrderId);
    if (storeSaysStop()) {
      // The store cancelled or refunded while the supplier works: a person decides; a late
      // report is still applied in the review (codes stored, never sent).
      markLines(wanted, 'review');
      return storefrontHoldStep(run)!;
    }
    // No webhook in time: ask the supplier, and tell the customer it is processing (not failed).
    try {
      const found = await run.supplier.lookupSupplierOrder({
        workflowId,
        clientOrderId,
        ...batchSupplier(run, clientOrderId),
      });
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
  let surplus = 0;
  for (const result of report.lines) {
    const issued = [...result.codes];
    surplus += Math.max(
      0,
      issued.length -
        state
          .missingUnits()
          .filter((m) => m.line.supplierProduct === result.product)
          .reduce((n, m) => n + m.count, 0),
    );
    for (const { line } of state.missingUnits().filter((m) => m.line.supplierProduct === result.product)) {
      const held = await run.storeCodesOrHold(
        line.lineNo,
        issued.splice(0, line.quantity - line.delivered),
        report.supplierOrderId,
        batchSupplier(run, clientOrderId).supplier,
      );
      if (held) return held;
    }
  }
  await run.noteEvent(`supplier.${report.state}`, report.state, {
    clientOrderId,
    supplierOrderId: report.supplierOrderId,
  });
  if (surplus > 0 && routing()) {
    // Codes no line needs: a batch that settled after its supplier was left (a lookup had not
    // found it), bought again elsewhere. Paid for; a person decides what becomes of them.
    return {
      kind: 'review',
      reasons: [
        {
          code: 'RECONCILE_MISMATCH',
          message: `Batch ${clientOrderId} delivered ${surplus} code(s) no line needs (it settled after the order moved to another source); check the charge with the supplier.`,
        },
      ],
    };
  }
  const missing = state.missingUnits();
  if (!missing.length) {
    // Another batch settled meanwhile (one its supplier had said it did not have): apply it too.
    const late = state.lateBatch();
    return late && routing() ? { kind: 'apply', clientOrderId: late } : { kind: 'reconcile' };
  }
  const asked = report.lines.reduce((n, l) => n + l.quantity, 0);
  const got = report.lines.reduce((n, l) => n + l.codes.length, 0);
  const reason: Reason =
    got > 0
      ? {
          code: 'PARTIAL_DELIVERY',
          message: `The supplier delivered ${got} of ${asked} code(s); lines ${missing
            .map((m) => m.line.lineNo)
            .join(', ')} are missing.`,
        }
      : { code: 'SUPPLIER_FAILED', message: `The supplier reported order ${clientOrderId} as failed.` };
  if (routing()) {
    // The batch is final: what it did not deliver, this supplier confirmed it does not have, so
    // those lines move on to their next source; lines bought elsewhere get their own batch.
    const supplier = batchSupplier(run, clientOrderId).supplier ?? '';
    const short = missing.filter((m) => currentSource(m.line)?.source === supplier);
    if (short.length) moveOn(run, short, reason);
    return { kind: 'order' };
  }
  markLines(missing, 'review');
  return { kind: 'review', reasons: [reason] };
}

// ------------------------------------------------------------------ routing (several sources)

/** Every decision below is new: a run recorded before it replays the single-supplier path. */
export function routing(): boolean {
  return patched('supplier-routing');
}

/** The source a line is trying now; undefined when it has none left. */
export function currentSource(line: LineStatus): LineSource | undefined {
  const idx = line.sourceIdx ?? 0;
  if (!line.sources) return idx === 0 ? { source: '', product: line.supplierProduct } : undefined;
  return line.sources[idx];
}

/** A source said no for these lines (why: `reason`): they move on to their next source. */
function moveOn(run: OrderRun, units: MissingUnits[], reason: Reason): void {
  for (const { line } of units) {
    line.sourceIdx = (line.sourceIdx ?? 0) + 1;
    run.state.refusals.set(line.lineNo, [...(run.state.refusals.get(line.lineNo) ?? []), reason]);
  }
}

/**
 * A retry after a supplier timeout: the last batch may have completed since. Never buy again
 * (here or elsewhere) what the supplier may still deliver: ask it first. Returns the step when
 * the answer decides (apply the settled batch, or a review when the supplier can't be asked).
 */
async function askAboutPendingBatch(run: OrderRun): Promise<Step | undefined> {
  const { state, workflowId, orderId } = run;
  const last = state.status.batches.at(-1);
  if (!last || last.state !== 'pending' || state.appliedBatches.has(last.clientOrderId)) return undefined;
  try {
    const found = await run.supplier.lookupSupplierOrder({
      workflowId,
      clientOrderId: last.clientOrderId,
      ...batchSupplier(run, last.clientOrderId),
    });
    if (found) state.mergeReport(found);
  } catch (err) {
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
  return undefined;
}

/** The supplier a batch went to (absent for batches of older runs: the first supplier). */
function batchSupplier(run: OrderRun, clientOrderId: string): { supplier?: string } {
  const supplier = run.state.status.batches.find((b) => b.clientOrderId === clientOrderId)?.supplier;
  return supplier ? { supplier } : {};
}

/**
 * The next batch, from the next source of each line that lacks codes. A supplier is left for the
 * next one only when it rejected the order or is confirmed not to have it (a lookup that finds
 * nothing, a final report without the units); never while a batch may still be fulfilled.
 */
export async function placeRouted(run: OrderRun): Promise<Step> {
  const { state, workflowId, storeId, orderId } = run;
  const { status } = state;
  const settled = state.lateBatch();
  if (settled) return applyReport(run, settled);
  const asked = await askAboutPendingBatch(run);
  if (asked) return asked;
  const missing = state.missingUnits();
  if (!missing.length) return { kind: 'reconcile' };
  const exhausted = missing.filter((m) => !currentSource(m.line));
  if (exhausted.length) {
    markLines(exhausted, 'review');
    // A line with one source keeps that source's own reason (a rejection, a partial delivery).
    const reasons = exhausted.map(({ line, count }): Reason => {
      const said = state.refusals.get(line.lineNo) ?? [];
      if ((line.sources?.length ?? 1) === 1 && said.length) return said.at(-1)!;
      return {
        code: 'NO_SOURCE_LEFT',
        lineNo: line.lineNo,
        message: `Line ${line.lineNo}: ${count} code(s) missing; every source said no: ${said
          .map((r) => r.message)
          .join(' / ')}`,
      };
    });
    return { kind: 'review', reasons: [...new Map(reasons.map((r) => [JSON.stringify(r), r])).values()] };
  }
  const fromPool = missing.filter((m) => currentSource(m.line)!.source === POOL_SOURCE);
  if (fromPool.length) return takeFromPool(run, fromPool);

  const supplier = currentSource(missing[0]!.line)!.source;
  const wanted = missing.filter((m) => currentSource(m.line)!.source === supplier);
  const products = new Map<string, number>();
  const maxUnitCost: Record<string, string> = {};
  for (const { line, count } of wanted) {
    const src = currentSource(line)!;
    line.supplierProduct = src.product ?? line.supplierProduct;
    products.set(line.supplierProduct!, (products.get(line.supplierProduct!) ?? 0) + count);
    if (src.maxUnitCost) maxUnitCost[line.supplierProduct!] = src.maxUnitCost;
    line.state = 'ordered';
  }
  const batchNo = status.batches.length + 1;
  const clientOrderId = supplierClientOrderId(storeId, orderId, batchNo);
  const named = supplier ? { supplier } : {};
  status.batches.push({ batch: batchNo, clientOrderId, state: 'pending', ...named });
  state.boughtOn ??= { total: state.details!.total, lines: state.details!.lines };
  state.setState('ordering');
  try {
    status.supplierAttempts++;
    const report = await run.supplier.placeSupplierOrder({
      workflowId,
      clientOrderId,
      idempotencyKey: supplierIdempotencyKey(storeId, orderId, batchNo),
      lines: [...products].map(([product, quantity]) => ({ product, quantity })),
      ...named,
      ...(Object.keys(maxUnitCost).length ? { maxUnitCost } : {}),
      ...placedEvents(run, { clientOrderId, batch: batchNo, supplier }),
    });
    state.mergeReport(report);
    run.takeNoted(); // placeSupplierOrder wrote them
  } catch (err) {
    const type = failureType(err);
    if (type === ErrorType.SupplierOutcomeUnknown) {
      log.warn('supplier order outcome unknown; looking it up instead of re-sending', {
        workflowId,
        orderId,
        clientOrderId,
        supplier,
      });
      await run.recordEvent('supplier.order_outcome_unknown', 'unknown', {
        clientOrderId,
        batch: batchNo,
        supplier,
      });
      return awaitSupplier(run, clientOrderId, wanted);
    }
    if (type === ErrorType.PriceAboveMax) {
      // Nothing was bought: the quote came before the order.
      closeUnplaced(run, clientOrderId);
      markLines(wanted, 'review');
      await run.recordEvent('supplier.price_above_max', 'held', { clientOrderId, supplier });
      return { kind: 'review', reasons: [{ code: 'PRICE_ABOVE_MAX', message: failureMessage(err) }] };
    }
    if (type === ErrorType.SupplierRejected) {
      closeUnplaced(run, clientOrderId);
      await run.recordEvent('supplier.rejected', 'rejected', {
        clientOrderId,
        supplier,
        error: failureMessage(err),
      });
      moveOn(run, wanted, {
        code: 'SUPPLIER_REJECTED',
        message: `The supplier${supplier ? ` ${supplier}` : ''} rejected the order: ${failureMessage(err)}`,
      });
      return { kind: 'order' };
    }
    // Unreachable after every attempt: it may still have the order. Only a lookup that finds
    // nothing lets another source buy these units.
    let found;
    try {
      found = await run.supplier.lookupSupplierOrder({ workflowId, clientOrderId, ...named });
    } catch (lookupErr) {
      markLines(wanted, 'review');
      return {
        kind: 'review',
        reasons: [
          {
            code: 'SUPPLIER_FAILED',
            message: `The supplier could not be reached after every retry, and could not be asked whether it has batch ${clientOrderId} (${failureMessage(lookupErr)}); check it with the supplier before retrying.`,
          },
        ],
      };
    }
    if (found) {
      state.mergeReport(found);
      return awaitSupplier(run, clientOrderId, wanted);
    }
    closeUnplaced(run, clientOrderId);
    await run.recordEvent('supplier.unavailable', 'failed', {
      clientOrderId,
      supplier,
      error: failureMessage(err),
    });
    moveOn(run, wanted, {
      code: 'SUPPLIER_FAILED',
      message: `The supplier${supplier ? ` ${supplier}` : ''} could not be reached after every retry (it has no batch ${clientOrderId}).`,
    });
    return { kind: 'order' };
  }
  if (!folded())
    await run.recordEvent('supplier.order_placed', 'ok', { clientOrderId, batch: batchNo, supplier });
  return awaitSupplier(run, clientOrderId, wanted);
}

/** A batch the supplier confirmed it does not have: final, with nothing to apply. */
function closeUnplaced(run: OrderRun, clientOrderId: string): void {
  const batch = run.state.status.batches.find((b) => b.clientOrderId === clientOrderId)!;
  batch.state = 'failed';
  run.state.appliedBatches.add(clientOrderId);
}

/** Takes pre-bought codes for the lines whose source is the pool; a shortfall moves on. */
async function takeFromPool(run: OrderRun, wanted: MissingUnits[]): Promise<Step> {
  const { state, workflowId, storeId } = run;
  state.setState('ordering');
  for (const { line, count } of wanted) {
    const got = await pool.reservePoolCodes({
      workflowId,
      storeId,
      sku: line.sku,
      lineNo: line.lineNo,
      count,
    });
    // The store cancelled meanwhile: nothing is stored; the reserved codes go back when it ends.
    const hold = storefrontHoldStep(run);
    if (hold) return hold;
    if (got.codes.length) {
      const held = await run.storeCodesOrHold(line.lineNo, got.codes, undefined, POOL_SOURCE);
      if (held) return held;
    }
    await run.recordEvent(
      'pool.reserved',
      'ok',
      { lineNo: line.lineNo, asked: count, got: got.codes.length },
      line.lineNo,
    );
    if (got.codes.length < count) {
      moveOn(run, [{ line, count }], {
        code: 'NO_SOURCE_LEFT',
        lineNo: line.lineNo,
        message: `The code pool of ${line.sku} had ${got.codes.length} of ${count} code(s).`,
      });
    }
  }
  return state.missingUnits().length ? { kind: 'order' } : { kind: 'reconcile' };
}
