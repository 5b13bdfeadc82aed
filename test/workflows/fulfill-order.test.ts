// fulfillOrder's branches against fake activities registered inline: one local dev server and
// one workflow bundle for the file, a task queue and workflow id per test, short timeouts. Each
// test asserts the outcome (result state, reasons, decisions) and which fake activities were
// called with which idempotency keys. The real stack runs the same branches in
// test/fulfill-order.test.ts.
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  ErrorType,
  fulfillmentWorkflowId,
  orderDetailsSignal,
  refundRequestedSignal,
  reviewDecisionUpdate,
  supplierClientOrderId,
} from '../../src/shared/contract';
import {
  codes,
  details,
  fakeActivities,
  key,
  newOrderId,
  STORE,
  testEnv,
  useWorkflowEnv,
  waitFor,
  waitForState,
  withWorker,
} from './harness';

useWorkflowEnv();

// ------------------------------------------------------------------ branches

describe('fulfillOrder against fake activities', () => {
  it('ends not_paid when no payment arrives, and records nothing', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => handle.result());
    expect(result.state).toBe('not_paid');
    expect(codes(result)).toEqual(['NOT_PAID']);
    expect(fake.calls).toEqual([]);
  });

  it('delivers a paid order with one batch and its idempotency key', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.lines[0]).toMatchObject({ delivered: 2, state: 'delivered' });
    const workflowId = fulfillmentWorkflowId(STORE, orderId);
    expect(fake.named('placeSupplierOrder')).toEqual([
      {
        workflowId,
        clientOrderId: supplierClientOrderId(STORE, orderId, 1),
        idempotencyKey: key(orderId, 1),
        lines: [{ product: 'psn-us-10', quantity: 2 }],
        events: [
          expect.objectContaining({ type: 'eligibility.passed' }),
          expect.objectContaining({ type: 'supplier.order_placed' }),
        ],
      },
    ]);
    // Five activity tasks on the happy path: bookkeeping rides with the effects.
    expect(fake.calls.map((c) => c.name)).toEqual([
      'recordOrder',
      'placeSupplierOrder',
      'storeCodes',
      'deliverOrder',
      'updateStorefront',
    ]);
    expect(fake.named('recordOrder')).toMatchObject([{ withCatalog: true }]);
    expect(fake.named('storeCodes')).toEqual([
      { workflowId, lineNo: 1, firstUnit: 0, codes: 2, supplierOrderId: `sup-${orderId}-1` },
    ]);
    expect(fake.notices().map((n) => n.dedupeKey)).toEqual([`${workflowId}/delivered/1`]);
    expect(fake.named('updateStorefront')).toEqual([{ workflowId, outcome: 'delivered' }]);
    expect(fake.states()).toEqual(['delivered']);
    expect(fake.events().map((e) => e.type)).toEqual([
      'eligibility.passed',
      'supplier.order_placed',
      'supplier.delivered',
      'reconcile.passed',
    ]);
  });

  it('holds a risk-flagged order for review, then buys after a person approves it', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'] }));
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['RISK_FLAG']);
      expect(fake.named('placeSupplierOrder')).toEqual([]);
      const answer = await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'retry', by: 'ops' }],
      });
      expect(answer.state).toBe('checking');
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.decisions.map((d) => [d.action, d.by])).toEqual([['retry', 'ops']]);
    expect(fake.named('openReviewCase')).toMatchObject([
      { reasons: ['RISK_FLAG'], dedupeKey: expect.stringMatching(/\/review\/[\w-]+\/0$/) },
    ]);
    expect(fake.named('closeReviewCase')).toEqual([{ action: 'retry', by: 'ops' }]);
    expect(fake.named('placeSupplierOrder').map((p) => p.idempotencyKey)).toEqual([key(orderId, 1)]);
    expect(fake.catalogReads()).toBe(2); // checked again after the approval
  });

  it('sends a supplier rejection to review without retrying it, and cancels on decision', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: () => {
        throw ApplicationFailure.nonRetryable('unknown product psn-us-10', ErrorType.SupplierRejected);
      },
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['SUPPLIER_REJECTED']);
      expect(held.reasons[0]!.message).toContain('unknown product psn-us-10');
      expect(held.lines[0]!.state).toBe('review');
      await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'cancel', by: 'ops', note: 'no stock' }],
      });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
    expect(fake.named('storeCodes')).toEqual([]);
    expect(fake.named('updateStorefront').map((u) => u.outcome)).toEqual(['cancelled']);
    expect(fake.states()).toEqual(['cancelled']);
    expect(fake.events().map((e) => e.type)).toContain('order.cancelled');
  });

  it('reviews a batch the supplier never completes; a retry asks about it, then buys a second batch', async () => {
    const orderId = newOrderId();
    const first = supplierClientOrderId(STORE, orderId, 1);
    // Batch 1 stays pending (every lookup says so); batch 2 is delivered at once.
    const fake = fakeActivities(orderId, {
      place: (batch, lines, report) => report(batch, batch === 1 ? 'pending' : 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitFor(
        handle,
        (s) => s.state === 'in_review' && s.customerNotices.includes('review'),
      );
      expect(codes(held)).toEqual(['SUPPLIER_TIMEOUT']);
      expect(held.customerNotices).toEqual(['processing', 'review']);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.batches.map((b) => [b.clientOrderId, b.state])).toEqual([
      [first, 'pending'],
      [supplierClientOrderId(STORE, orderId, 2), 'delivered'],
    ]);
    // Asked about batch 1 after the retry before placing batch 2.
    const supplierCalls = fake.calls.filter((c) => c.name.endsWith('SupplierOrder'));
    expect(supplierCalls.at(-2)).toEqual({
      name: 'lookupSupplierOrder',
      input: { workflowId: fulfillmentWorkflowId(STORE, orderId), clientOrderId: first },
    });
    expect(fake.named('placeSupplierOrder').map((p) => p.idempotencyKey)).toEqual([
      key(orderId, 1),
      key(orderId, 2),
    ]);
    expect(fake.named('storeCodes').map((s) => s.supplierOrderId)).toEqual([`sup-${orderId}-2`]);
  });

  it('re-orders only the missing units after a partial delivery', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: (batch, lines, report) =>
        batch === 1
          ? report(1, 'partial', [{ product: 'psn-us-10', quantity: 2, codes: 1 }])
          : report(batch, 'delivered', lines),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['PARTIAL_DELIVERY']);
      expect(held.lines[0]).toMatchObject({ delivered: 1, state: 'review' });
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.lines[0]).toMatchObject({ delivered: 2, state: 'delivered' });
    expect(fake.named('placeSupplierOrder').map((p) => [p.idempotencyKey, p.lines])).toEqual([
      [key(orderId, 1), [{ product: 'psn-us-10', quantity: 2 }]],
      [key(orderId, 2), [{ product: 'psn-us-10', quantity: 1 }]],
    ]);
    expect(fake.named('storeCodes').map((s) => [s.firstUnit, s.codes])).toEqual([
      [0, 1],
      [1, 1],
    ]);
  });

  it('does not refund automatically when a delivered code was redeemed', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      redemption: 'used',
      place: (batch, _lines, report) =>
        report(batch, 'partial', [{ product: 'psn-us-10', quantity: 2, codes: 1 }]),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle, workflowId }) => {
      await handle.signal(orderDetailsSignal, details());
      await waitForState(handle, 'in_review');
      await handle.signal(refundRequestedSignal, {
        source: 'standard',
        eventId: 'refund-1',
        reason: 'customer asked',
      });
      const held = await waitFor(
        handle,
        (s) => s.state === 'in_review' && codes(s)[0] === 'REFUND_CODE_USED',
      );
      expect(held.redemption).toBe('used');
      expect(fake.named('checkRedemption')).toEqual([{ workflowId }]);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(result.decisions.map((d) => [d.action, d.by])).toEqual([
      ['refund', 'storefront:standard'],
      ['cancel', 'ops'],
    ]);
    expect(fake.named('refundPayment')).toEqual([]);
    // One case per opening, keyed by the run: a reset re-opens the review as a new case.
    const runId = (
      await testEnv().client.workflow.getHandle(fulfillmentWorkflowId(STORE, orderId)).describe()
    ).runId;
    expect(fake.named('openReviewCase').map((o) => [o.reasons, o.dedupeKey])).toEqual([
      [['PARTIAL_DELIVERY'], `${fulfillmentWorkflowId(STORE, orderId)}/review/${runId}/0`],
      [['REFUND_CODE_USED'], `${fulfillmentWorkflowId(STORE, orderId)}/review/${runId}/1`],
    ]);
  });

  it('refunds the payment when nothing was delivered', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'] }));
      await waitForState(handle, 'in_review');
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'refund', by: 'ops' }] });
      return handle.result();
    });
    const workflowId = fulfillmentWorkflowId(STORE, orderId);
    expect(result.state).toBe('refunded');
    expect(fake.named('checkRedemption')).toEqual([]);
    // What the code lines were paid, not the order total.
    expect(fake.named('refundPayment')).toEqual([
      { workflowId, dedupeKey: `${workflowId}/refund`, amount: '21.98' },
    ]);
    expect(fake.notices().map((n) => n.template)).toEqual(['review', 'refunded']);
    expect(fake.states()).toEqual(['refunded']);
  });

  it('refuses a decision while no review is open', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await waitForState(handle, 'awaiting_order');
      const refused: unknown = await handle
        .executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] })
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(WorkflowUpdateFailedError);
      expect((refused as WorkflowUpdateFailedError).cause?.message).toBe(
        'There is no open review for this order (state: awaiting_order).',
      );
      return handle.result();
    });
    expect(result.state).toBe('not_paid'); // the refused decision changed nothing
    expect(result.decisions).toEqual([]);
  });
});
