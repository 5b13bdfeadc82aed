// One execution per paid order. Pure orchestration: every effect is an activity, every wait is
// durable, every decision is recorded in the status the `status` query returns.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import {
  ErrorType,
  fulfillmentWorkflowId,
  orderDetailsSignal,
  paymentReceivedSignal,
  redemptionSignal,
  refundRequestedSignal,
  reviewDecisionUpdate,
  SA,
  statusQuery,
  supplierCallbackSignal,
  supplierClientOrderId,
  supplierIdempotencyKey,
  type FulfillmentState,
  type FulfillmentStatus,
  type FulfillOrderInput,
  type IssuedCode,
  type LineStatus,
  type OrderDetails,
  type PaymentReceived,
  type Reason,
  type ReasonCode,
  type RefundRequest,
  type ReviewDecision,
  type SupplierOrderReport,
} from '../shared/contract';
import { checkEligibility, fromCents, toCents, type EligibleLine } from '../shared/eligibility';

type Activities = ReturnType<typeof createActivities>;

const store = proxyActivities<Activities>({
  startToCloseTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 30 },
});
const notify = proxyActivities<Activities>({
  // Longer than the SMTP client's own connect + send timeouts, so a slow send is not retried
  // while the first attempt may still deliver.
  startToCloseTimeout: '90s',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '5m', maximumAttempts: 20 },
});

/** A check that must never hold up delivery: a few quick tries, then give up. */
const bestEffort = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 3 },
});

/** Reasons a person may approve; a retry after approval does not raise them again. */
const APPROVABLE: ReasonCode[] = [
  'RISK_FLAG',
  'PAYMENT_METHOD',
  'REGION_MISMATCH',
  'CURRENCY_MISMATCH',
  'AMOUNT_MISMATCH',
];

type Step =
  | { kind: 'check' }
  | { kind: 'order' }
  | { kind: 'reconcile' }
  | { kind: 'deliver' }
  | { kind: 'review'; reasons: Reason[] }
  | { kind: 'refund' }
  | { kind: 'apply'; clientOrderId: string }
  | { kind: 'end'; state: FulfillmentState; reasons?: Reason[] };

export async function fulfillOrder(input: FulfillOrderInput): Promise<FulfillmentStatus> {
  const { storeId, orderId, timeouts } = input;
  const workflowId = fulfillmentWorkflowId(storeId, orderId);
  const supplier = proxyActivities<Activities>({
    startToCloseTimeout: timeouts.supplierCallTimeoutMs,
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '5m',
      maximumAttempts: 12,
      nonRetryableErrorTypes: [ErrorType.SupplierRejected],
    },
  });

  const s: FulfillmentStatus = {
    workflowId,
    storeId,
    orderId,
    state: 'awaiting_order',
    lines: [],
    reasons: [],
    batches: [],
    supplierAttempts: 0,
    decisions: [],
    redemption: 'unknown',
    customerNotices: [],
  };

  let details: OrderDetails | undefined;
  let payment: PaymentReceived | undefined;
  let refundRequest: RefundRequest | undefined;
  let pendingDecision: ReviewDecision | undefined;
  let eligible: EligibleLine[] = [];
  const approved = new Set<ReasonCode>();
  const seenEvents = new Set<string>();
  const reports = new Map<string, SupplierOrderReport>();
  const applied = new Set<string>(); // batches whose codes were handed to lines
  let recorded = false; // the order row exists in the database
  const firstSeen = (eventId: string) => !seenEvents.has(eventId) && !!seenEvents.add(eventId);

  // ------------------------------------------------------------ message handlers
  setHandler(orderDetailsSignal, (d) => {
    if (!firstSeen(d.eventId)) return;
    if (!details) details = d;
    else if (d.paid && !details.paid) details = { ...details, paid: true, status: d.status };
  });
  setHandler(paymentReceivedSignal, (p) => {
    if (firstSeen(p.eventId)) payment ??= p;
  });
  setHandler(supplierCallbackSignal, ({ eventId, report }) => {
    if (!firstSeen(eventId)) return;
    mergeReport(report);
  });
  setHandler(redemptionSignal, (n) => {
    if (firstSeen(n.eventId) && s.redemption !== 'used') s.redemption = n.state;
  });
  setHandler(refundRequestedSignal, (r) => {
    if (firstSeen(r.eventId)) refundRequest ??= r;
  });
  setHandler(statusQuery, () => s);
  setHandler(
    reviewDecisionUpdate,
    async (decision) => {
      pendingDecision = decision;
      await condition(() => pendingDecision === undefined);
      return s;
    },
    { validator: (d) => validateDecision(d) },
  );

  function validateDecision(d: ReviewDecision): void {
    if (s.state !== 'in_review' || !s.review)
      throw new Error(`There is no open review for this order (state: ${s.state}).`);
    if (pendingDecision) throw new Error('Another decision is already being applied.');
    if (!d.by?.trim()) throw new Error('A decision must say who made it ("by").');
    if (!details && d.action !== 'cancel') {
      throw new Error(
        'No order is recorded for this payment: refund it in the payment gateway, then cancel (or wait for the order).',
      );
    }
    if (
      d.action === 'retry' &&
      missingUnits().length === 0 &&
      !s.reasons.some((r) => isEligibilityReason(r.code))
    ) {
      throw new Error('Nothing is left to retry: every line is delivered.');
    }
    if (d.action === 'markDelivered') {
      const missing = new Map(
        s.lines.filter((l) => l.state !== 'ignored').map((l) => [l.lineNo, l.quantity - l.delivered]),
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

  // ------------------------------------------------------------ helpers
  function mergeReport(report: SupplierOrderReport): void {
    const prev = reports.get(report.clientOrderId);
    if (prev && isTerminal(prev.state)) return; // a final answer is never overwritten
    if (prev && Date.parse(report.updatedAt) < Date.parse(prev.updatedAt)) return; // out of order
    reports.set(report.clientOrderId, report);
    const batch = s.batches.find((b) => b.clientOrderId === report.clientOrderId);
    if (batch) {
      batch.state = report.state;
      batch.supplierOrderId = report.supplierOrderId;
    }
  }

  function setState(state: FulfillmentState, deadline?: number): void {
    s.state = state;
    s.nextDeadline = deadline === undefined ? undefined : new Date(deadline).toISOString();
    upsertSearchAttributes([
      { key: SA.status, value: state },
      { key: SA.deadline, value: deadline === undefined ? null : new Date(deadline) },
      { key: SA.reason, value: s.reasons[0]?.code ?? null },
    ]);
  }

  function missingUnits(): { line: LineStatus; count: number }[] {
    return s.lines
      .filter((l) => l.state !== 'ignored' && l.delivered < l.quantity)
      .map((line) => ({ line, count: line.quantity - line.delivered }));
  }

  async function event(type: string, status: string, detail: Record<string, unknown> = {}, lineNo?: number) {
    await store.recordEvent({
      workflowId,
      type,
      status,
      lineNo,
      details: detail,
      dedupeKey: `${workflowId}/${type}/${eventSeq++}`,
    });
  }
  let eventSeq = 0;

  async function tellCustomer(template: 'processing' | 'review' | 'delivered' | 'refunded' | 'cancelled') {
    if (template !== 'delivered' && s.customerNotices.includes(template)) return;
    s.customerNotices.push(template);
    await notify.notifyCustomer({
      workflowId,
      template,
      dedupeKey: `${workflowId}/${template}/${s.customerNotices.length}`,
    });
  }

  async function storeCodes(lineNo: number, codes: IssuedCode[], supplierOrderId?: string) {
    const line = s.lines.find((l) => l.lineNo === lineNo)!;
    const take = codes.slice(0, line.quantity - line.delivered);
    if (!take.length) return;
    const masked = await store.storeCodes({
      workflowId,
      lineNo,
      firstUnit: line.delivered,
      codes: take,
      supplierOrderId,
    });
    line.delivered += take.length;
    line.masked.push(...masked);
    line.state = line.delivered === line.quantity ? 'delivered' : 'partial';
  }

  /** storeCodes, or a review when a code is already delivered elsewhere (never deliver it twice). */
  async function storeCodesOrHold(
    lineNo: number,
    codes: IssuedCode[],
    supplierOrderId?: string,
  ): Promise<Step | undefined> {
    try {
      await storeCodes(lineNo, codes, supplierOrderId);
      return undefined;
    } catch (err) {
      if (failureType(err) !== ErrorType.CodeConflict) throw err;
      return {
        kind: 'review',
        reasons: [{ code: 'CODE_CONFLICT', lineNo, message: `Line ${lineNo}: ${failureMessage(err)}` }],
      };
    }
  }

  // ------------------------------------------------------------ steps
  async function check(): Promise<Step> {
    setState('checking');
    const d = details!;
    if (!recorded) {
      upsertSearchAttributes([
        { key: SA.store, value: storeId },
        { key: SA.skus, value: d.lines.map((l) => l.sku) },
      ]);
      try {
        await store.recordOrder({ workflowId, storeId, orderId, details: d });
      } catch (err) {
        if (failureType(err) !== ErrorType.UnknownStore) throw err;
        return {
          kind: 'end',
          state: 'cancelled',
          reasons: [{ code: 'UNKNOWN_STORE', message: `Store "${storeId}" is not set up in cardbridge.` }],
        };
      }
      recorded = true;
    }
    const catalog = await store.loadCatalog({ storeId, skus: d.lines.map((l) => l.sku) });
    const result = checkEligibility(d, catalog);
    if (
      payment?.amount &&
      Math.abs(toCents(payment.amount) - toCents(d.total)) > toCents(catalog.settings.amountTolerance)
    ) {
      result.reasons.push({
        code: 'AMOUNT_MISMATCH',
        message: `The payment (${payment.amount}) does not match the order total (${d.total} ${d.currency}).`,
      });
    }
    eligible = result.lines;
    const byLine = new Map(result.lines.map((l) => [l.lineNo, l]));
    const previous = new Map(s.lines.map((l) => [l.lineNo, l]));
    s.lines = d.lines.map((l) => {
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
      };
    });
    const regions = [...new Set(eligible.map((l) => l.mapping.region))];
    upsertSearchAttributes([{ key: SA.region, value: regions.join(',') || null }]);
    const reasons = result.reasons.filter((r) => !approved.has(r.code));
    if (reasons.some((r) => r.code === 'NO_CODE_LINES')) return { kind: 'end', state: 'skipped', reasons };
    if (reasons.length) return { kind: 'review', reasons };
    await event('eligibility.passed', 'ok', {
      lines: eligible.map((l) => l.lineNo),
      ignored: result.ignored,
    });
    return { kind: 'order' };
  }

  async function order(): Promise<Step> {
    // A retry after a supplier timeout: the last batch may have completed since. Never buy
    // again what the supplier may still deliver: ask it first.
    const last = s.batches.at(-1);
    if (last && last.state === 'pending' && !applied.has(last.clientOrderId)) {
      const found = await supplier.lookupSupplierOrder({ workflowId, clientOrderId: last.clientOrderId });
      if (found) mergeReport(found);
      if (lateBatch()) return applyReport(lateBatch()!);
      log.warn('previous batch still pending at the supplier; placing a new batch as decided', {
        workflowId,
        orderId,
        clientOrderId: last.clientOrderId,
      });
    }
    const batchNo = s.batches.length + 1;
    const clientOrderId = supplierClientOrderId(storeId, orderId, batchNo);
    const wanted = missingUnits();
    // One supplier line per product; codes are split back onto storefront lines in line order.
    const products = new Map<string, number>();
    for (const { line, count } of wanted) {
      products.set(line.supplierProduct!, (products.get(line.supplierProduct!) ?? 0) + count);
      line.state = 'ordered';
    }
    s.batches.push({ batch: batchNo, clientOrderId, state: 'pending' });
    setState('ordering');
    try {
      s.supplierAttempts++;
      const report = await supplier.placeSupplierOrder({
        workflowId,
        clientOrderId,
        idempotencyKey: supplierIdempotencyKey(storeId, orderId, batchNo),
        lines: [...products].map(([product, quantity]) => ({ product, quantity })),
      });
      mergeReport(report);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : undefined;
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
    await event('supplier.order_placed', 'ok', { clientOrderId, batch: batchNo });
    return awaitSupplier(clientOrderId, wanted);
  }

  async function awaitSupplier(clientOrderId: string, wanted: { line: LineStatus }[]): Promise<Step> {
    const giveUpAt = Date.now() + timeouts.supplierMaxWaitMs;
    const settled = () => isTerminal(reports.get(clientOrderId)?.state);
    while (!settled()) {
      const wait = Math.min(timeouts.supplierWebhookWaitMs, giveUpAt - Date.now());
      setState('awaiting_supplier', Date.now() + wait);
      if (wait > 0 && (await condition(settled, wait))) break;
      // No webhook in time: ask the supplier, and tell the customer it is processing (not failed).
      try {
        const found = await supplier.lookupSupplierOrder({ workflowId, clientOrderId });
        if (found) mergeReport(found);
      } catch (err) {
        log.warn('supplier status lookup failed; waiting on', {
          workflowId,
          orderId,
          error: failureMessage(err),
        });
      }
      if (settled()) break;
      await tellCustomer('processing');
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
    return applyReport(clientOrderId);
  }

  /** Hands a settled batch's codes to the lines still missing that product, in line order. */
  async function applyReport(clientOrderId: string): Promise<Step> {
    const report = reports.get(clientOrderId)!;
    applied.add(clientOrderId);
    for (const result of report.lines) {
      const codes = [...result.codes];
      for (const { line } of missingUnits().filter((m) => m.line.supplierProduct === result.product)) {
        const held = await storeCodesOrHold(
          line.lineNo,
          codes.splice(0, line.quantity - line.delivered),
          report.supplierOrderId,
        );
        if (held) return held;
      }
    }
    await event(`supplier.${report.state}`, report.state, {
      clientOrderId,
      supplierOrderId: report.supplierOrderId,
    });
    const missing = missingUnits();
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

  /** A batch the supplier settled after we stopped waiting for it (its report was not applied). */
  function lateBatch(): string | undefined {
    return s.batches.find((b) => isTerminal(b.state) && !applied.has(b.clientOrderId))?.clientOrderId;
  }

  async function reconcile(): Promise<Step> {
    setState('delivering');
    const reasons: Reason[] = [];
    for (const line of s.lines.filter((l) => l.state !== 'ignored')) {
      if (line.delivered !== line.quantity) {
        reasons.push({
          code: 'RECONCILE_MISMATCH',
          lineNo: line.lineNo,
          message: `Line ${line.lineNo} has ${line.delivered} code(s) for ${line.quantity} ordered.`,
        });
      }
    }
    const paidCents = details!.lines
      .filter((l) => eligible.some((e) => e.lineNo === l.lineNo))
      .reduce((n, l) => n + toCents(l.unitPrice) * l.quantity, 0);
    // Only settled batches are billed; a batch still pending at the supplier has cost nothing yet.
    const costs = [...reports.values()].filter(
      (r) => isTerminal(r.state) && r.cost && r.costCurrency === details!.currency,
    );
    const costCents = costs.reduce((n, r) => n + toCents(r.cost!), 0);
    if (costs.length && costCents > paidCents) {
      reasons.push({
        code: 'RECONCILE_MISMATCH',
        message: `The supplier charged ${fromCents(costCents)} ${details!.currency}, more than the customer paid (${fromCents(
          paidCents,
        )}).`,
      });
    }
    // Codes are bought already: a balance check that fails must not hold up their delivery.
    try {
      await bestEffort.checkSupplierBalance({ workflowId });
    } catch (err) {
      log.warn('supplier balance check failed; the daily reconciliation checks it again', {
        workflowId,
        orderId,
        error: failureMessage(err),
      });
    }
    if (reasons.length) return { kind: 'review', reasons };
    await event('reconcile.passed', 'ok', { cost: fromCents(costCents), paid: fromCents(paidCents) });
    return { kind: 'deliver' };
  }

  async function deliver(): Promise<Step> {
    setState('delivering');
    try {
      await tellCustomer('delivered');
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
    await storefrontBestEffort('delivered');
    return { kind: 'end', state: 'delivered' };
  }

  /** The customer has their codes; a storefront that refuses the note must not undo that. */
  async function storefrontBestEffort(outcome: 'delivered' | 'cancelled'): Promise<void> {
    try {
      await notify.updateStorefront({ workflowId, outcome });
    } catch (err) {
      log.warn('storefront update failed', { workflowId, orderId, outcome, error: failureMessage(err) });
      await event('storefront.update_failed', 'failed', { outcome, error: failureMessage(err) });
    }
  }

  async function review(reasons: Reason[]): Promise<Step> {
    s.reasons = reasons;
    const openedAt = Date.now();
    s.review = { openedAt: new Date(openedAt).toISOString(), reminders: 0 };
    setState('in_review', openedAt + timeouts.reviewReminderMs);
    await store.openReviewCase({
      workflowId,
      reasons,
      dedupeKey: `${workflowId}/review/${s.decisions.length}`,
    });
    log.warn('order held for review', { workflowId, orderId, reasons: reasons.map((r) => r.code) });
    await tellCustomer('review');
    for (;;) {
      const decided = await condition(
        () =>
          pendingDecision !== undefined ||
          refundRequest !== undefined ||
          lateBatch() !== undefined ||
          (!recorded && details !== undefined && reasons[0]?.code === 'ORDER_MISSING'),
        timeouts.reviewReminderMs,
      );
      if (decided) break;
      s.review.reminders++;
      setState('in_review', Date.now() + timeouts.reviewReminderMs);
      await store.remindReview({ workflowId, reminders: s.review.reminders, openedAt: s.review.openedAt });
    }
    // Leave the review before any await, so the validator refuses a second decision at once.
    const chosen = pendingDecision;
    const refundAsked = chosen ? undefined : refundRequest;
    const late = chosen || refundAsked ? undefined : lateBatch();
    if (refundAsked) refundRequest = undefined;
    s.review = undefined;
    s.reasons = [];
    if (!chosen && !refundAsked && !late) {
      // The order this payment was for has arrived: check it as usual.
      setState('checking');
      await store.closeReviewCase({
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
    s.decisions.push({
      action: decision.action,
      by: decision.by,
      at: new Date().toISOString(),
      note: decision.note,
    });
    let next: Step;
    if (late) {
      next = { kind: 'apply', clientOrderId: late };
    } else if (decision.action === 'retry') {
      for (const r of reasons) if (APPROVABLE.includes(r.code)) approved.add(r.code);
      const hold = reasons.some((r) => isEligibilityReason(r.code)) || eligible.length === 0;
      next = hold ? { kind: 'check' } : missingUnits().length ? { kind: 'order' } : { kind: 'reconcile' };
    } else if (decision.action === 'markDelivered') {
      next = { kind: 'reconcile' };
    } else if (decision.action === 'refund') {
      next = { kind: 'refund' };
    } else {
      next = { kind: 'end', state: 'cancelled' };
    }
    setState(
      next.kind === 'check' || next.kind === 'refund'
        ? 'checking'
        : next.kind === 'order'
          ? 'ordering'
          : next.kind === 'end'
            ? 'cancelled'
            : 'delivering',
    );
    await store.closeReviewCase({ workflowId, decision });
    // The update answers once the review case is closed, with the state the order moved to.
    pendingDecision = undefined;
    if (decision.action === 'markDelivered') {
      for (const entry of decision.codes ?? []) {
        const held = await storeCodesOrHold(entry.lineNo, entry.codes);
        if (held) return held;
      }
    }
    return next;
  }

  async function refund(): Promise<Step> {
    const delivered = s.lines.reduce((n, l) => n + (l.state === 'ignored' ? 0 : l.delivered), 0);
    if (delivered > 0) {
      const state = s.redemption === 'used' ? 'used' : (await supplier.checkRedemption({ workflowId })).state;
      if (state === 'used') {
        s.redemption = 'used';
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
      if (state !== 'unused') {
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
    await notify.refundPayment({ workflowId, dedupeKey: `${workflowId}/refund` });
    return { kind: 'end', state: 'refunded' };
  }

  // ------------------------------------------------------------ main
  const paymentDeadline = Date.now() + timeouts.paymentWaitMs;
  setState('awaiting_order', paymentDeadline);
  const ready = () => details !== undefined && (details.paid || payment !== undefined);
  await condition(() => details !== undefined, timeouts.paymentWaitMs);
  if (details && !ready()) {
    setState('awaiting_payment', paymentDeadline);
    await condition(ready, Math.max(0, paymentDeadline - Date.now()));
  }

  let step: Step;
  if (ready()) {
    step = { kind: 'check' };
  } else if (payment && !details) {
    // Money moved but the order never arrived: a person must find it or refund the payment.
    step = {
      kind: 'review',
      reasons: [
        {
          code: 'ORDER_MISSING',
          message: `A ${payment.source} payment arrived but the order itself never did; find the order or refund the payment.`,
        },
      ],
    };
  } else {
    step = {
      kind: 'end',
      state: 'not_paid',
      reasons: [{ code: 'NOT_PAID', message: 'No payment arrived before the payment deadline.' }],
    };
  }

  while (step.kind !== 'end') {
    if (refundRequest && step.kind !== 'review' && step.kind !== 'refund') {
      step = { kind: 'review', reasons: [{ code: 'REFUND_REQUESTED', message: refundRequest.reason }] };
    }
    if (step.kind === 'check' && details && !details.paid && payment) {
      details = { ...details, paid: true, paymentMethod: details.paymentMethod ?? payment.paymentMethod };
    }
    switch (step.kind) {
      case 'check':
        step = await check();
        break;
      case 'apply':
        step = await applyReport(step.clientOrderId);
        break;
      case 'order':
        step = await order();
        break;
      case 'reconcile':
        step = await reconcile();
        break;
      case 'deliver':
        step = await deliver();
        break;
      case 'review':
        step = await review(step.reasons);
        break;
      case 'refund':
        step = await refund();
        break;
    }
  }

  s.reasons = step.reasons ?? s.reasons;
  setState(step.state);
  if (details && step.state !== 'delivered')
    await event(`order.${step.state}`, step.state, { reasons: s.reasons.map((r) => r.code) });
  if (step.state === 'refunded') await tellCustomer('refunded');
  if (step.state === 'cancelled' && recorded) await storefrontBestEffort('cancelled');
  if (recorded) await store.recordOrderState({ workflowId, state: step.state });
  await condition(allHandlersFinished);
  log.info('order finished', { workflowId, orderId, state: s.state });
  return s;
}

function failureType(err: unknown): string | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined;
}

function failureMessage(err: unknown): string {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

function isTerminal(state: string | undefined): boolean {
  return state === 'delivered' || state === 'partial' || state === 'failed';
}

function isEligibilityReason(code: ReasonCode): boolean {
  return [...APPROVABLE, 'SKU_UNMAPPED', 'NOT_PAID', 'NO_CODE_LINES'].includes(code);
}

function markLines(units: { line: LineStatus }[], state: LineStatus['state']): void {
  for (const { line } of units) line.state = state;
}
