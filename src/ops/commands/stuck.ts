// `ops stuck`: orders in review or waiting past their deadline, payments no workflow can take,
// and storefronts whose webhook is off.
import { storeOpt, str } from '../args';
import type { Command } from '../command';
import { age, searchAttr as sa, table } from '../format';
import { stuckQuery } from '../queries';

export const stuck: Command = {
  name: 'stuck',
  usage: `  stuck     [--store S] [--region R] [--sku SKU] [--reason CODE]   orders in review or waiting past their deadline`,
  options: {
    store: { type: 'string' },
    region: { type: 'string' },
    sku: { type: 'string' },
    reason: { type: 'string' },
  },
  async run(ctx, { values }) {
    const client = await ctx.client();
    const now = new Date();
    const store = storeOpt(values.store);
    const query = stuckQuery(now, {
      store,
      region: str(values.region),
      sku: str(values.sku),
      reason: str(values.reason),
    });
    const orders = [];
    for await (const wf of client.workflow.list({ query })) {
      orders.push({
        workflowId: wf.workflowId,
        status: sa(wf, 'CardbridgeStatus'),
        store: sa(wf, 'CardbridgeStore'),
        region: sa(wf, 'CardbridgeRegion'),
        skus: sa(wf, 'CardbridgeSkus'),
        reason: sa(wf, 'CardbridgeReason'),
        deadline: sa(wf, 'CardbridgeDeadline'),
        startedAt: wf.startTime.toISOString(),
        age: age(wf.startTime, now.getTime()),
        pastDeadline:
          !!sa(wf, 'CardbridgeDeadline') && Date.parse(sa(wf, 'CardbridgeDeadline')) < now.getTime(),
      });
    }
    // Money no workflow can take any more (a payment after the order closed, or for an order never
    // received): the API records these as open review cases; their workflows are closed.
    const late = await ctx.db().reviewCase.findMany({
      where: {
        status: 'open',
        reasonCode: { in: ['PAYMENT_AFTER_CLOSE', 'ORDER_MISSING'] },
        ...(store ? { order: { storeId: store } } : {}),
      },
      include: { order: true },
      orderBy: { createdAt: 'asc' },
      take: 200,
    });
    const latePayments = late.map((c) => ({
      workflowId: c.workflowId,
      status: c.order.status,
      reason: c.reasonCode,
      message: c.reason,
      since: c.createdAt.toISOString(),
      age: age(c.createdAt, now.getTime()),
    }));
    const lateHuman = latePayments.length
      ? '\n\nPayments no workflow can take (refund or fulfil by hand):\n' +
        table([
          ['WORKFLOW', 'STATUS', 'REASON', 'AGE'],
          ...latePayments.map((p) => [p.workflowId, p.status, p.reason, p.age]),
        ])
      : '';
    const human =
      (orders.length
        ? table([
            ['WORKFLOW', 'STATUS', 'REASON', 'REGION', 'SKUS', 'AGE', 'DEADLINE'],
            ...orders.map((o) => [
              o.workflowId,
              o.status,
              o.reason || '-',
              o.region || '-',
              o.skus || '-',
              o.age,
              o.deadline
                ? `${o.deadline}${o.pastDeadline && o.status !== 'in_review' ? ' (passed)' : ''}`
                : '-',
            ]),
          ]) + `\n${orders.length} stuck order(s). Inspect one: npm run ops -- show <workflow>`
        : 'No stuck orders.') + lateHuman;
    // A store whose webhook WooCommerce switched off sends nothing: only the sweep brings its orders.
    const sweeps = await ctx.db().storefrontSweep.findMany({ orderBy: { storeId: 'asc' } });
    const alerts = sweeps
      .filter((s) => (s.webhookStatus && s.webhookStatus !== 'active') || s.lastError)
      .map((s) =>
        s.lastError
          ? `ALERT store ${s.storeId}: the last recovery sweep failed (${s.lastError}).`
          : `ALERT store ${s.storeId}: its WooCommerce webhook to cardbridge is ${s.webhookStatus}; orders arrive only through the sweep. Re-activate it: WooCommerce → Settings → Advanced → Webhooks → Status "Active" (or PUT /wp-json/wc/v3/webhooks/<id> {"status":"active"}).`,
      );
    ctx.out([...alerts, human].join('\n'), {
      query,
      orders,
      latePayments,
      storefronts: sweeps.map((s) => ({
        storeId: s.storeId,
        webhookStatus: s.webhookStatus,
        webhookCheckedAt: s.webhookCheckedAt?.toISOString(),
        lastSweepAt: s.lastRunAt?.toISOString(),
        lastSweepError: s.lastError,
        recoveredBySweep: s.recovered,
      })),
    });
  },
};
