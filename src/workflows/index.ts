// Everything the worker registers as a workflow.
export { fulfillOrder } from './fulfill-order';
export { reconcileDay } from './reconcile-day';
export { sweepStore } from './sweep-store';
export { watchAlerts } from './watch-alerts';
