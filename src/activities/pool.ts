// Pool activities: taking pre-bought codes for an order line (src/codes/pool.ts).
import { log } from '@temporalio/activity';
import { reservePoolCodes } from '../codes/pool';
import type { ActivityDeps } from './deps';

export function createPoolActivities(deps: ActivityDeps) {
  const threshold = deps.poolLowStock ?? 10;
  return {
    /**
     * Reserves up to `count` codes of the line's storefront SKU for this order (idempotent per
     * order line). Fewer than asked means the pool ran out.
     */
    async reservePoolCodes(input: {
      workflowId: string;
      storeId: string;
      sku: string;
      lineNo: number;
      count: number;
    }) {
      const { codes, masked, available } = await reservePoolCodes(deps.db, deps.vault, input);
      const low = available < threshold;
      deps.metrics?.poolStock(input.storeId, input.sku, available, low);
      if (low) {
        log.warn('code pool low on stock', {
          workflowId: input.workflowId,
          storeId: input.storeId,
          sku: input.sku,
          available,
          threshold,
        });
      }
      return { codes, masked };
    },
  };
}

export type PoolActivities = ReturnType<typeof createPoolActivities>;
