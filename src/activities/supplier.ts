// Supplier activities: every call to the supplier an order makes, through supplierCall.
import { Context, log } from '@temporalio/activity';
import type { PlaceOrderRequest } from '../suppliers/supplier';
import type { ActivityDeps } from './deps';
import { orderRow } from './order-rows';
import { supplierCall } from './supplier-call';

export function createSupplierActivities(deps: ActivityDeps) {
  const { db, supplier } = deps;

  return {
    /**
     * Places one batch. Whether an earlier attempt (a retry, a worker crash, a workflow reset)
     * already reached the supplier is unknown, so always ask the supplier first and never
     * re-send an order it has: exactly once does not rest on the supplier honouring
     * Idempotency-Key.
     */
    async placeSupplierOrder(input: PlaceOrderRequest & { workflowId: string }) {
      const existing = await supplierCall(deps.metrics, 'lookup', () =>
        supplier.findOrder(input.clientOrderId),
      );
      if (existing) {
        log.info('supplier already has this batch; not re-sending', {
          workflowId: input.workflowId,
          clientOrderId: input.clientOrderId,
          attempt: Context.current().info.attempt,
        });
        return existing;
      }
      return supplierCall(deps.metrics, 'order', () =>
        supplier.placeOrder({
          clientOrderId: input.clientOrderId,
          idempotencyKey: input.idempotencyKey,
          lines: input.lines,
        }),
      );
    },

    async lookupSupplierOrder(input: { workflowId: string; clientOrderId: string }) {
      return supplierCall(deps.metrics, 'lookup', () => supplier.findOrder(input.clientOrderId));
    },

    async checkSupplierBalance(input: { workflowId: string }) {
      const balance = await supplierCall(deps.metrics, 'balance', () => supplier.balance());
      const low = Number(balance.amount) < Number(deps.lowBalance);
      deps.metrics?.supplierBalance(Number(balance.amount));
      if (low) {
        log.warn('supplier balance under low-water mark', {
          workflowId: input.workflowId,
          balance: balance.amount,
          lowWater: deps.lowBalance,
        });
      }
      return { ...balance, low };
    },

    async checkRedemption(input: { workflowId: string }): Promise<{ state: 'used' | 'unused' | 'unknown' }> {
      const order = await orderRow(db, input.workflowId);
      const codes = await db.deliveredCode.findMany({ where: { orderId: order.id } });
      if (codes.some((c) => c.revealedAt)) return { state: 'unknown' };
      const supplierOrders = [...new Set(codes.map((c) => c.supplierOrderId))];
      if (supplierOrders.includes(null)) return { state: 'unknown' }; // delivered by hand: nobody can tell
      let all: 'used' | 'unused' | 'unknown' = 'unused';
      for (const id of supplierOrders) {
        const state = await supplierCall(deps.metrics, 'redemption', () => supplier.redemption(id!));
        if (state === 'used') return { state };
        if (state === 'unknown') all = 'unknown';
      }
      return { state: all };
    },
  };
}

export type SupplierActivities = ReturnType<typeof createSupplierActivities>;
