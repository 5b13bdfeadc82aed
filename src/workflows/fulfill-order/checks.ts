// The checks around buying: is the order eligible (before), do codes and costs add up and can
// the customer be told (after), and may the money go back (refund).
import { log, upsertSearchAttributes } from '@temporalio/workflow';
import { ErrorType, SA, type Reason } from '../../shared/contract';
import { checkEligibility, lineSources, type Catalog } from '../../shared/eligibility';
import { formatMills, parseMills } from '../../shared/money';
import { balanceCheck, failureMessage, failureType, localOrders, notify, orders } from './activities';
import { folded, localWrites, type OrderRun, type Step } from './order-run';
import { isTerminal } from './order-state';

/** Records the order (once), then checks it against the store's catalog and the payment. */
export async function checkOrder(run: OrderRun): Promise<Step> {
  const { state, workflowId, storeId, orderId } = run;
  const { status } = state;
  state.setState('checking');
  const details = state.details!;
  let catalog: Catalog | undefined;
  if (!state.recorded) {
    upsertSearchAttributes([
      { key: SA.store, value: storeId },
      { key: SA.skus, value: details.lines.map((l) => l.sku) },
    ]);
    try {
      // Folded runs read the catalog in the same task.
      catalog = await (localWrites() ? localOrders : orders).recordOrder({
        workflowId,
        storeId,
        orderId,
        details,
        ...(folded() ? { withCatalog: true } : {}),
      });
    } catch (err) {
      if (failureType(err) !== ErrorType.UnknownStore) throw err;
      return {
        kind: 'end',
        state: 'cancelled',
        reasons: [{ code: 'UNKNOWN_STORE', message: `Store "${storeId}" is not set up in cardbridge.` }],
      };
    }
    state.recorded = true;
  }
  catalog ??= await orders.loadCatalog({ storeId, skus: details.lines.map((l) => l.sku) });
  const result = checkEligibility(details, catalog);
  const { payment } = state;
  const paidMills = parseMills(payment?.amount);
  const totalMills = parseMills(details.total);
  if (
    payment?.amount &&
    (paidMills === undefined ||
      totalMills === undefined ||
      Math.abs(paidMills - totalMills) > (parseMills(catalog.settings.amountTolerance) ?? 0))
  ) {
    result.reasons.push({
      code: 'AMOUNT_MISMATCH',
      message: `The payment (${payment.amount}) does not match the order total (${details.total} ${details.currency}).`,
    });
  }
  state.eligible = result.lines;
  const byLine = new Map(result.lines.map((l) => [l.lineNo, l]));
  const previous = new Map(status.lines.map((l) => [l.lineNo, l]));
  status.lines = details.lines.map((l) => {
    const known = previous.get(l.lineNo);
    const m = byLine.get(l.lineNo)?.mapping;
    const ignored = result.ignored.includes(l.lineNo);
    return {
      lineNo: l.lineNo,
      sku: l.sku,
      quantity: l.quantity,
      state: ignored ? 'ignored' : (known?.state ?? 'pending'),
      delivered: known?.delivered ?? 0,
      supplierProduct: m?.supplierProduct,
      region: m?.region,
      masked: known?.masked ?? [],
      // Where its codes come from; a line that ran out of sources starts over on a retry.
      sources: m ? lineSources(m) : undefined,
      sourceIdx: m && (known?.sourceIdx ?? 0) < lineSources(m).length ? (known?.sourceIdx ?? 0) : 0,
    };
  });
  const regions = [...new Set(state.eligible.map((l) => l.mapping.region))];
  upsertSearchAttributes([{ key: SA.region, value: regions.join(',') || null }]);
  const reasons = result.reasons.filter((r) => !state.approved.has(r.code));
  if (reasons.some((r) => r.code === 'NO_CODE_LINES')) return { kind: 'end', state: 'skipped', reasons };
  if (reasons.length) return { kind: 'review', reasons };
  await run.noteEvent('eligibility.passed', 'ok', {
    lines: state.eligible.map((l) => l.lineNo),
    ignored: result.ignored,
  });
  return { kind: 'order' };
}

/** Every line has its codes and the supplier charged no more than the customer paid. */
export async function reconcileCosts(run: OrderRun): Promise<Step> {
  const { state, workflowId, orderId } = run;
  const details = state.details!;
  state.setState('delivering');
  const reasons: Reason[] = [];
  for (const line of state.status.lines.filter((l) => l.state !== 'ignored')) {
    if (line.delivered !== line.quantity) {
      reasons.push({
        code: 'RECONCILE_MISMATCH',
        lineNo: line.lineNo,
        message: `Line ${line.lineNo} has ${line.delivered} code(s) for ${line.quantity} ordered.`,
      });
    }
  }
  const paidMills = details.lines
    .filter((l) => state.eligible.some((e) => e.lineNo === l.lineNo))
    .reduce((n, l) => n + (parseMills(l.unitPrice) ?? 0) * l.quantity, 0);
  // Only settled batches are billed; a batch still pending at the supplier has cost nothing yet.
  const costs = [...state.reports.values()].filter(
    (r) => isTerminal(r.state) && r.cost && r.costCurrency === details.currency,
  );
  const unreadable = costs.find((r) => parseMills(r.cost) === undefined);
  const costMills = costs.reduce((n, r) => n + (parseMills(r.cost) ?? 0), 0);
  if (unreadable) {
    // Never throw on data inside the workflow: a cost we cannot read is a person's question.
    reasons.push({
      code: 'RECONCILE_MISMATCH',
      message: `The supplier reported a cost of "${unreadable.cost}" for ${unreadable.clientOrderId}, which is not an amount; check the charge with the supplier.`,
    });
  } else if (costs.length && costMills > paidMills && !state.approved.has('COST_ABOVE_PAID')) {
    reasons.push({
      code: 'COST_ABOVE_PAID',
      message: `The supplier charged ${formatMills(costMills)} ${details.currency}, more than the customer paid (${formatMills(
        paidMills,
      )}). Decide acceptCost to deliver anyway, or refund.`,
    });
  }
  // Codes are bought already: a balance check that fails must not hold up their delivery. Folded
  // runs leave it to the alert scan (every supplier, once a minute) and the daily reconciliation.
  if (!folded()) {
    try {
      await balanceCheck.checkSupplierBalance({ workflowId });
    } catch (err) {
      log.warn('supplier balance check failed; the daily reconciliation checks it again', {
        workflowId,
        orderId,
        error: failureMessage(err),
      });
    }
  }
  if (reasons.length) return { kind: 'review', reasons };
  await run.noteEvent('reconcile.passed', 'ok', {
    cost: formatMills(costMills),
    paid: formatMills(paidMills),
  });
  return { kind: 'deliver' };
}

/** Tells the customer their codes are there, then notes it on the storefront. */
export async function deliver(run: OrderRun): Promise<Step> {
  run.state.setState('delivering');
  try {
    await run.tellDelivered();
  } catch (err) {
    return {
      kind: 'review',
      reasons: [
        {
          code: 'DELIVERY_FAILED',
          message: `The codes are stored but the customer email could not be sent (${failureMessage(err)}); retry sends it again.`,
        },
      ],
    };
  }
  await run.updateStorefront('delivered');
  return { kind: 'end', state: 'delivered' };
}

/**
 * What the store did after payment, as the next step: before anything was bought the order
 * simply ends cancelled; after, a person decides (the codes exist, the store says stop).
 */
export function storefrontHoldStep(run: OrderRun): Step | undefined {
  const { state } = run;
  const hold = state.storefrontHold();
  if (!hold) return undefined;
  const status = state.storefrontStop ?? 'edited';
  if (hold !== 'STOREFRONT_EDITED' && !state.boughtAnything()) {
    return {
      kind: 'end',
      state: 'cancelled',
      reasons: [{ code: hold, message: `The store marked the order ${status} before any code was bought.` }],
    };
  }
  return {
    kind: 'review',
    reasons: [
      {
        code: hold,
        message:
          hold === 'STOREFRONT_EDITED'
            ? 'The store changed the order (lines or total) after its codes were bought; nothing is delivered until a person decides.'
            : `The store marked the order ${status} after its codes were bought; nothing is delivered until a person decides (refund, cancel, or retry to deliver anyway).`,
      },
    ],
  };
}

/** Refunds the payment, unless a delivered code was (or may have been) redeemed. */
export async function refund(run: OrderRun): Promise<Step> {
  const { state, workflowId } = run;
  const { status } = state;
  const delivered = status.lines.reduce((n, l) => n + (l.state === 'ignored' ? 0 : l.delivered), 0);
  if (delivered > 0) {
    let redemption = status.redemption === 'used' ? 'used' : 'unknown';
    if (redemption !== 'used') {
      try {
        redemption = (await run.supplier.checkRedemption({ workflowId })).state;
      } catch (err) {
        log.warn('redemption check failed; a person decides', { workflowId, error: failureMessage(err) });
      }
    }
    if (redemption === 'used') {
      status.redemption = 'used';
      return {
        kind: 'review',
        reasons: [
          {
            code: 'REFUND_CODE_USED',
            message: 'A delivered code was already redeemed; it cannot be refunded automatically.',
          },
        ],
      };
    }
    if (redemption !== 'unused') {
      return {
        kind: 'review',
        reasons: [
          {
            code: 'REFUND_UNKNOWN_REDEMPTION',
            message:
              'Whether the delivered code was redeemed is unknown; a person must check before refunding.',
          },
        ],
      };
    }
  }
  // What the codes were paid: a mixed cart's other lines are the store's business, not ours.
  const details = state.details;
  const codeLines = details?.lines.filter((l) => state.eligible.some((e) => e.lineNo === l.lineNo)) ?? [];
  const amountMills = codeLines.reduce((n, l) => n + (parseMills(l.unitPrice) ?? 0) * l.quantity, 0);
  try {
    await notify.refundPayment({
      workflowId,
      dedupeKey: `${workflowId}/refund`,
      ...(codeLines.length ? { amount: formatMills(amountMills) } : {}),
    });
  } catch (err) {
    return {
      kind: 'review',
      reasons: [
        {
          code: 'REFUND_FAILED',
          message: `The refund could not be made automatically (${failureMessage(err)}); refund it in the store or gateway, then cancel.`,
        },
      ],
    };
  }
  return { kind: 'end', state: 'refunded' };
}
