// Activities: one external effect each, built from injected dependencies so tests can swap
// any of them. They pass the workflow's idempotency keys through unchanged. One module per kind
// of work; the worker registers them all, merged, under their function names.
import { createAlertActivities } from './alerts';
import { createCodeActivities } from './codes';
import type { ActivityDeps } from './deps';
import { createNotifyActivities } from './notify';
import { createOrderActivities } from './orders';
import { createPoolActivities } from './pool';
import { createReconcileActivities } from './reconcile';
import { createReviewActivities } from './reviews';
import { createSupplierActivities } from './supplier';
import { createSweepActivities } from './sweep';

export type { ActivityDeps } from './deps';
export type { AlertActivities } from './alerts';
export type { CodeActivities } from './codes';
export type { NotifyActivities } from './notify';
export type { OrderActivities } from './orders';
export type { PoolActivities } from './pool';
export type { ReconcileActivities } from './reconcile';
export type { ReviewActivities } from './reviews';
export type { SupplierActivities } from './supplier';
export type { SweepActivities } from './sweep';

export function createActivities(deps: ActivityDeps) {
  return {
    ...createReconcileActivities(deps),
    ...createOrderActivities(deps),
    ...createCodeActivities(deps),
    ...createPoolActivities(deps),
    ...createReviewActivities(deps),
    ...createSupplierActivities(deps),
    ...createNotifyActivities(deps),
    ...createAlertActivities(deps),
    ...createSweepActivities({
      db: deps.db,
      metrics: deps.metrics,
      wooCommerce: deps.sweep?.wooCommerce ?? (() => Promise.resolve(null)),
      pocketsflow: deps.sweep?.pocketsflow,
      intake: deps.sweep?.intake,
      overlapMs: deps.sweep?.overlapMs ?? 10 * 60_000,
      firstLookbackMs: deps.sweep?.firstLookbackMs ?? 24 * 3_600_000,
    }),
  };
}

export type Activities = ReturnType<typeof createActivities>;
