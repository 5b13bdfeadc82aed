// The supplier balance, seen after deliveries: at most one check per interval per worker, shared
// by every order it delivers (one balance call per order doubled the supplier traffic of a
// campaign day). The daily reconciliation checks it too.
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics';
import type { SupplierClient } from '../suppliers/supplier';
import { supplierCall } from './supplier-call';

export interface BalanceWatch {
  /** Starts a check if the last one is older than the interval; never waits, never throws. */
  nudge(): void;
  /** The check in flight, if any (tests and shutdown wait for it). */
  settled(): Promise<void>;
}

export function createBalanceWatch(opts: {
  supplier: SupplierClient;
  /** A balance under this (decimal string) is logged as an alert. */
  lowBalance: string;
  intervalMs: number;
  metrics?: Metrics;
  logger: Pick<Logger, 'warn'>;
  now?: () => number;
}): BalanceWatch {
  const now = opts.now ?? Date.now;
  let lastStart = -Infinity;
  let inFlight: Promise<void> | undefined;

  async function check(): Promise<void> {
    try {
      const balance = await supplierCall(opts.metrics, 'balance', () => opts.supplier.balance());
      opts.metrics?.supplierBalance(Number(balance.amount));
      if (Number(balance.amount) < Number(opts.lowBalance)) {
        opts.logger.warn(
          { supplier: opts.supplier.name, balance: balance.amount, lowWater: opts.lowBalance },
          'supplier balance under low-water mark',
        );
      }
    } catch (err) {
      opts.logger.warn(
        { supplier: opts.supplier.name, error: (err as Error).message },
        'supplier balance check failed; the next delivery or the daily reconciliation checks again',
      );
    }
  }

  return {
    nudge() {
      if (inFlight || now() - lastStart < opts.intervalMs) return;
      lastStart = now();
      inFlight = check().finally(() => {
        inFlight = undefined;
      });
    },
    async settled() {
      await inFlight;
    },
  };
}
