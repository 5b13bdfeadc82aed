// fulfillOrder against fake activities: what the store does after payment (cancel, refund,
// delete, edit), and the exactly-once holes (a settled batch bought twice, codes bought but
// undeliverable, a cost it cannot read, a report for another batch, an endless review history).
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import {
  orderDetailsSignal,
  redemptionSignal,
  reviewDecisionUpdate,
  storefrontStatusSignal,
  supplierCallbackSignal,
  supplierClientOrderId,
} from '../../src/shared/contract';
import {
  codes,
  details,
  fakeActivities,
  newOrderId,
  STORE,
  testEnv,
  useWorkflowEnv,
  waitFor,
  waitForState,
  withWorker,
} from './harness';

useWorkflowEnv();

const at = (minute: number) => `2026-11-30T10:${String(minute).padStart(2, '0')}:00.000Z`;

describe('what the store does after payment', () => {
  it('a cancel before anything is bought ends the order cancelled, nothing bought, no note back', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ paid: false, status: 'pending', modifiedAt: at(1) }));
      await waitForState(handle, 'awaiting_payment');
      await handle.signal(
        orderDetailsSignal,
        details({ paid: false, status: 'cancelled', modifiedAt: at(2) }),
      );
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(codes(result)).toEqual(['STOREFRONT_CANCELLED']);
    expect(fake.named('placeSupplierOrder')).toEqual([]);
    expect(fake.named('updateStorefront')).toEqual([]);
  });

  it('WooCommerce order.deleted while held before buying ends the order cancelled; nothing bought', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { settings: { blockedRiskFlags: ['fraud'] } });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'] }));
      await waitForState(handle, 'in_review');
      await handle.signal(storefrontStatusSignal, {
        source: 'woocommerce',
        eventId: 'del-1',
        status: 'deleted',
      });
      // Held for a person, then deleted in the store: nothing is left to decide.
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(codes(result)).toEqual(['STOREFRONT_CANCELLED']);
    expect(fake.named('placeSupplierOrder')).toEqual([]);
    expect(fake.named('closeReviewCase')).toEqual([{ action: 'cancel', by: 'storefront:standard' }]);
  });

  it('a refund while the supplier works holds for review and never delivers by itself', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { place: (b, l, make) => make(b, 'pending', l) });
    const result = await withWorker(fake.activities, orderId, async ({ handle, workflowId }) => {
      await handle.signal(orderDetailsSignal, details({ modifiedAt: at(1) }));
      await waitForState(handle, 'awaiting_supplier');
      await handle.signal(orderDetailsSignal, details({ status: 'refunded', modifiedAt: at(2) }));
      const held = await waitFor(
        handle,
        (s) => s.state === 'in_review' && codes(s)[0] === 'STOREFRONT_REFUNDED',
      );
      expect(held.reasons[0]!.message).toMatch(/refunded after its codes were bought/);
      // The supplier settles late: the codes are stored, but nobody is told.
      await handle.signal(supplierCallbackSignal, {
        eventId: 'late-1',
        report: fake.report(1, 'delivered', [{ product: 'psn-us-10', quantity: 2 }]),
      });
      await waitFor(handle, (s) => s.lines[0]!.delivered === 2 && s.state === 'in_review');
      expect(fake.notices().filter((n) => n.template === 'delivered')).toEqual([]);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] });
      expect(workflowId).toBeTruthy();
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(fake.notices().map((n) => n.template)).not.toContain('delivered');
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
  });

  it('an edit before purchase is bought as edited (the latest snapshot wins, an older one is ignored)', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ paid: false, status: 'pending', modifiedAt: at(1) }));
      await waitForState(handle, 'awaiting_payment');
      const edited = details({
        modifiedAt: at(3),
        total: '32.97',
        lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 3, unitPrice: '10.99' }],
      });
      await handle.signal(orderDetailsSignal, edited);
      await handle.signal(orderDetailsSignal, details({ modifiedAt: at(2) })); // late, older
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(fake.named('placeSupplierOrder').map((p) => p.lines)).toEqual([
      [{ product: 'psn-us-10', quantity: 3 }],
    ]);
  });

  it('an edit after purchase goes to review; a person may deliver anyway', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { place: (b, l, make) => make(b, 'pending', l) });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details({ modifiedAt: at(1) }));
      await waitForState(handle, 'awaiting_supplier');
      await handle.signal(
        orderDetailsSignal,
        details({
          modifiedAt: at(2),
          lines: [{ lineNo: 1, sku: 'PSN-US-10', quantity: 1, unitPrice: '10.99' }],
          total: '10.99',
        }),
      );
      await waitFor(handle, (s) => s.state === 'in_review' && codes(s)[0] === 'STOREFRONT_EDITED');
      await handle.signal(supplierCallbackSignal, {
        eventId: 'late-2',
        report: fake.report(1, 'delivered', [{ product: 'psn-us-10', quantity: 2 }]),
      });
      await waitFor(handle, (s) => s.lines.every((l) => l.delivered === l.quantity));
      const held = await waitFor(handle, (s) => s.state === 'in_review');
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      expect(held).toBeTruthy();
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.decisions.map((d) => [d.action, d.by])).toContainEqual(['retry', 'ops']);
  });

  it("data the store sent that can't be a normal order is held with its reason", async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(
        orderDetailsSignal,
        details({ problems: [{ code: 'STOREFRONT_DATA', message: 'Line 2 has no SKU (product deleted).' }] }),
      );
      const held = await waitForState(handle, 'in_review');
      expect(codes(held)).toEqual(['STOREFRONT_DATA']);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
    expect(fake.named('placeSupplierOrder')).toEqual([]);
  });
});

describe('exactly once, never stuck', () => {
  it('a batch that settles while a retry decision is applied is applied, not bought again', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { place: (b, l, make) => make(b, 'pending', l) });
    let signalLate: (() => Promise<void>) | undefined;
    const activities = {
      ...fake.activities,
      // The decision is being recorded when batch 1's webhook arrives.
      async closeReviewCase(input: Parameters<NonNullable<typeof fake.activities.closeReviewCase>>[0]) {
        await signalLate?.();
        return fake.activities.closeReviewCase!(input);
      },
    };
    const result = await withWorker(activities, orderId, async ({ handle }) => {
      signalLate = async () => {
        signalLate = undefined;
        await handle.signal(supplierCallbackSignal, {
          eventId: 'late-batch-1',
          report: fake.report(1, 'delivered', [{ product: 'psn-us-10', quantity: 2 }]),
        });
      };
      await handle.signal(orderDetailsSignal, details());
      await waitFor(handle, (s) => s.state === 'in_review' && codes(s)[0] === 'SUPPLIER_TIMEOUT');
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
    expect(result.batches).toHaveLength(1);
  });

  it('codes that cost more than was paid: retry is refused, acceptCost delivers and records who decided', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: (b, l, make) => ({ ...make(b, 'delivered', l), cost: '25.00', costCurrency: 'USD' }),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitFor(handle, (s) => s.state === 'in_review');
      expect(codes(held)).toEqual(['COST_ABOVE_PAID']);
      await expect(
        handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] }),
      ).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
      await handle.executeUpdate(reviewDecisionUpdate, {
        args: [{ action: 'acceptCost', by: 'alice', note: 'coupon' }],
      });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(result.decisions.map((d) => [d.action, d.by])).toEqual([['acceptCost', 'alice']]);
  });

  it('DELIVERY_FAILED says retry sends it again, and retry does', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId);
    let failures = 1;
    const activities = {
      ...fake.activities,
      async deliverOrder(input: Parameters<NonNullable<typeof fake.activities.deliverOrder>>[0]) {
        if (failures-- > 0) throw ApplicationFailure.nonRetryable('mailbox unavailable', 'SmtpRejected');
        return fake.activities.deliverOrder!(input);
      },
    };
    const result = await withWorker(activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitFor(handle, (s) => s.state === 'in_review');
      expect(codes(held)).toEqual(['DELIVERY_FAILED']);
      expect(held.reasons[0]!.message).toMatch(/retry sends it again/);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('delivered');
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
    // The second delivered notice has its own key; the rows noted before the failed one were
    // written once (by the review), not lost and not twice.
    expect(fake.notices().map((n) => n.dedupeKey.split('/').slice(-2).join('/'))).toEqual([
      'review/2',
      'delivered/3',
    ]);
    const types = fake.events().map((e) => e.type);
    expect(types.filter((t) => t === 'eligibility.passed' || t === 'supplier.order_placed')).toHaveLength(2);
    expect(new Set(fake.events().map((e) => e.dedupeKey)).size).toBe(types.length);
  });

  it("a supplier cost it can't read goes to review instead of poisoning the workflow task", async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      place: (b, l, make) => ({ ...make(b, 'delivered', l), cost: '9.9951', costCurrency: 'USD' }),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      const held = await waitFor(handle, (s) => s.state === 'in_review', 10_000);
      expect(codes(held)).toEqual(['RECONCILE_MISMATCH']);
      expect(held.reasons[0]!.message).toMatch(/9\.9951/);
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'cancel', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('cancelled');
  });

  it('a report for a batch this order never placed is ignored', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { place: (b, l, make) => make(b, 'pending', l) });
    const status = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      await waitForState(handle, 'awaiting_supplier');
      const foreign = { ...fake.report(1, 'delivered', [{ product: 'psn-us-10', quantity: 2 }]) };
      foreign.clientOrderId = supplierClientOrderId(STORE, `${orderId}-other`, 1);
      await handle.signal(supplierCallbackSignal, { eventId: 'foreign-1', report: foreign });
      await new Promise((r) => setTimeout(r, 200));
      const s = await handle.query('status');
      await handle.terminate('test done');
      return s as { lines: { delivered: number }[] };
    });
    expect(status.lines[0]!.delivered).toBe(0);
  });

  it("Pay'nUp USED (the payment PIN) does not mark a delivered card redeemed: the refund asks the supplier", async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, {
      redemption: 'unused',
      place: (b, _l, make) => make(b, 'partial', [{ product: 'psn-us-10', quantity: 2, codes: 1 }]),
    });
    const result = await withWorker(fake.activities, orderId, async ({ handle }) => {
      await handle.signal(orderDetailsSignal, details());
      await waitFor(handle, (s) => s.state === 'in_review' && codes(s)[0] === 'PARTIAL_DELIVERY');
      await handle.signal(redemptionSignal, { source: 'paynup', eventId: 'pin-used', state: 'used' });
      await handle.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'refund', by: 'ops' }] });
      return handle.result();
    });
    expect(result.state).toBe('refunded');
    expect(fake.named('checkRedemption')).toHaveLength(1);
    expect(result.redemption).toBe('unknown');
  });

  it('a review that keeps receiving storefront re-sends continues as new, then still decides', async () => {
    const orderId = newOrderId();
    const fake = fakeActivities(orderId, { settings: { blockedRiskFlags: ['fraud'] } });
    const result = await withWorker(
      fake.activities,
      orderId,
      async ({ handle, workflowId }) => {
        await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'], eventId: 'first' }));
        await waitForState(handle, 'in_review');
        for (let i = 0; i < 1_000; i++) {
          await handle.signal(orderDetailsSignal, details({ riskFlags: ['fraud'], eventId: `resend-${i}` }));
        }
        const runs: string[] = [];
        for await (const wf of testEnv().client.workflow.list({ query: `WorkflowId = '${workflowId}'` }))
          runs.push(wf.runId);
        expect(runs.length).toBeGreaterThan(1);
        const latest = testEnv().client.workflow.getHandle(workflowId);
        const held = await waitFor(latest, (s) => s.state === 'in_review');
        expect(codes(held)).toEqual(['RISK_FLAG']);
        await latest.executeUpdate(reviewDecisionUpdate, { args: [{ action: 'retry', by: 'ops' }] });
        return latest.result();
      },
      { historyLimit: 300 },
    );
    expect(result.state).toBe('delivered');
    // One case, one review notice: the later runs waited in the same review.
    expect(fake.named('openReviewCase')).toHaveLength(1);
    expect(fake.notices().map((n) => n.template)).toEqual(['review', 'delivered']);
    expect(fake.named('placeSupplierOrder')).toHaveLength(1);
  }, 120_000);
});
