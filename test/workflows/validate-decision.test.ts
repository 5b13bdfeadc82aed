// The review Update's validator is a pure function of the order's state: no Temporal needed.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { LineStatus, OrderDetails, Reason, ReviewDecision } from '../../src/shared/contract';
import { notify, orders, reviews, supplierActivities } from '../../src/workflows/fulfill-order/activities';
import { OrderState } from '../../src/workflows/fulfill-order/order-state';
import { validateDecision } from '../../src/workflows/fulfill-order/review';

const DETAILS: OrderDetails = {
  channel: 'standard',
  status: 'processing',
  paid: true,
  currency: 'USD',
  total: '62.99',
  riskFlags: [],
  lines: [
    { lineNo: 1, sku: 'PSN-US-50', quantity: 1, unitPrice: '52.99' },
    { lineNo: 2, sku: 'PSN-US-10', quantity: 2, unitPrice: '5.00' },
    { lineNo: 3, sku: 'T-SHIRT', quantity: 1, unitPrice: '0.00' },
  ],
  eventId: 'e1',
};

function line(lineNo: number, quantity: number, delivered: number, state: LineStatus['state']): LineStatus {
  return { lineNo, sku: `SKU-${lineNo}`, quantity, delivered, state, masked: [] };
}

/** An order held for review: line 1 delivered, line 2 lacks both codes, line 3 is not a code line. */
function inReview(reasons: Reason[] = [{ code: 'SUPPLIER_TIMEOUT', message: 'late' }]): OrderState {
  const state = new OrderState({ workflowId: 'fulfill:s:o', storeId: 's', orderId: 'o' });
  state.details = DETAILS;
  state.status.state = 'in_review';
  state.status.review = { openedAt: '2026-01-01T00:00:00.000Z', reminders: 0 };
  state.status.reasons = reasons;
  state.status.lines = [line(1, 1, 1, 'delivered'), line(2, 2, 0, 'review'), line(3, 1, 0, 'ignored')];
  return state;
}

const code = (c: string) => ({ code: c });

describe('validateDecision', () => {
  it('accepts every action on an open review', () => {
    for (const action of ['retry', 'refund', 'cancel'] as const) {
      expect(() => validateDecision(inReview(), { action, by: 'ops@example.com' })).not.toThrow();
    }
    expect(() =>
      validateDecision(inReview(), {
        action: 'markDelivered',
        by: 'ops',
        codes: [{ lineNo: 2, codes: [code('A'), code('B')] }],
      }),
    ).not.toThrow();
  });

  it('refuses a decision when no review is open', () => {
    const state = inReview();
    state.status.state = 'awaiting_supplier';
    expect(() => validateDecision(state, { action: 'retry', by: 'ops' })).toThrow(
      'There is no open review for this order (state: awaiting_supplier).',
    );
    const closed = inReview();
    closed.status.review = undefined;
    expect(() => validateDecision(closed, { action: 'cancel', by: 'ops' })).toThrow(/no open review/);
  });

  it('refuses a second decision while one is being applied', () => {
    const state = inReview();
    state.pendingDecision = { action: 'retry', by: 'first' };
    expect(() => validateDecision(state, { action: 'cancel', by: 'second' })).toThrow(
      'Another decision is already being applied.',
    );
  });

  it('refuses a decision that does not say who made it', () => {
    expect(() => validateDecision(inReview(), { action: 'retry', by: '  ' })).toThrow(/who made it/);
    expect(() => validateDecision(inReview(), { action: 'retry' } as ReviewDecision)).toThrow(/who made it/);
  });

  it('allows only cancel for a payment whose order never arrived', () => {
    const state = inReview([{ code: 'ORDER_MISSING', message: 'no order' }]);
    state.details = undefined;
    state.status.lines = [];
    for (const action of ['retry', 'refund', 'markDelivered'] as const) {
      expect(() => validateDecision(state, { action, by: 'ops' })).toThrow(/No order is recorded/);
    }
    expect(() => validateDecision(state, { action: 'cancel', by: 'ops' })).not.toThrow();
  });

  it('refuses a retry when every line is delivered, unless the hold is an eligibility reason', () => {
    const done = inReview([{ code: 'RECONCILE_MISMATCH', message: 'cost' }]);
    done.status.lines = [line(1, 1, 1, 'delivered'), line(3, 1, 0, 'ignored')];
    expect(() => validateDecision(done, { action: 'retry', by: 'ops' })).toThrow(
      'Nothing is left to retry: every line is delivered.',
    );
    const held = inReview([{ code: 'RISK_FLAG', message: 'risky' }]);
    held.status.lines = [line(1, 1, 1, 'delivered')];
    expect(() => validateDecision(held, { action: 'retry', by: 'ops' })).not.toThrow();
  });

  it('marks delivered only with exactly the missing codes of code lines', () => {
    const mark = (codes: ReviewDecision['codes']) => () =>
      validateDecision(inReview(), { action: 'markDelivered', by: 'ops', codes });
    expect(mark([{ lineNo: 3, codes: [code('X')] }])).toThrow('Line 3 is not a code line of this order.');
    expect(mark([{ lineNo: 9, codes: [code('X')] }])).toThrow('Line 9 is not a code line of this order.');
    expect(mark([{ lineNo: 2, codes: [code('A'), code(' ')] }])).toThrow('Line 2 has an empty code.');
    expect(mark([{ lineNo: 2, codes: [code('A')] }])).toThrow(
      'Line 2 needs exactly 2 code(s) to be marked delivered, got 1.',
    );
    expect(mark(undefined)).toThrow('Line 2 needs exactly 2 code(s) to be marked delivered, got 0.');
    expect(
      mark([
        { lineNo: 1, codes: [code('C')] },
        { lineNo: 2, codes: [code('A'), code('B')] },
      ]),
    ).toThrow('Line 1 needs exactly 0 code(s) to be marked delivered, got 1.');
    // Codes for one line may come in several entries.
    expect(
      mark([
        { lineNo: 2, codes: [code('A')] },
        { lineNo: 2, codes: [code('B')] },
      ]),
    ).not.toThrow();
  });
});

describe('activity proxies', () => {
  it('offer each kind of activity only through its own proxy (checked by tsc)', () => {
    expectTypeOf(orders).toHaveProperty('recordOrder');
    expectTypeOf(orders).not.toHaveProperty('placeSupplierOrder');
    expectTypeOf(reviews).not.toHaveProperty('storeCodes');
    expectTypeOf(notify).not.toHaveProperty('checkRedemption');
    type Supplier = ReturnType<typeof supplierActivities>;
    expectTypeOf<Supplier>().toHaveProperty('placeSupplierOrder');
    expectTypeOf<Supplier>().not.toHaveProperty('recordEvent');
    // The balance check has its own, best-effort retry policy.
    expectTypeOf<Supplier>().not.toHaveProperty('checkSupplierBalance');
  });
});
