// `ops show <order>`: the workflow's status, history summary and the database's timeline.
import { orderArg } from '../args';
import type { Command } from '../command';
import { age, searchAttr as sa } from '../format';
import { describeWorkflow, queryStatus } from '../workflow';

export const show: Command = {
  name: 'show',
  usage: `  show      <order>                                                status, history summary and database events`,
  async run(ctx, { positionals }) {
    const workflowId = orderArg(positionals[0]);
    const client = await ctx.client();
    const desc = await describeWorkflow(client, workflowId);
    const status = await queryStatus(client, workflowId);
    const order = await ctx.db().order.findUnique({
      where: { workflowId },
      include: {
        lines: { orderBy: { lineNo: 'asc' } },
        events: { orderBy: { id: 'asc' }, take: 200 },
        reviews: { orderBy: { createdAt: 'asc' } },
        notifications: { orderBy: { id: 'asc' } },
      },
    });
    const data = {
      workflowId,
      runId: desc.runId,
      execution: desc.status.name,
      startedAt: desc.startTime.toISOString(),
      closedAt: desc.closeTime?.toISOString(),
      historyLength: desc.historyLength,
      searchAttributes: desc.searchAttributes,
      status,
      order: order && {
        store: order.storeId,
        orderId: order.externalOrderId,
        status: order.status,
        channel: order.channel,
        total: order.total.toFixed(2),
        currency: order.currency,
        customerEmail: order.customerEmail,
        lines: order.lines.map((l) => ({
          lineNo: l.lineNo,
          sku: l.sku,
          quantity: l.quantity,
          delivered: l.delivered,
          status: l.status,
        })),
      },
      events: (order?.events ?? []).map((e) => ({
        at: e.createdAt.toISOString(),
        type: e.type,
        status: e.status,
        lineNo: e.lineNo,
        details: e.details,
      })),
      reviewCases: (order?.reviews ?? []).map((r) => ({
        id: r.id,
        status: r.status,
        reasonCode: r.reasonCode,
        reason: r.reason,
        decision: r.decision,
        decidedBy: r.decidedBy,
        openedAt: r.createdAt.toISOString(),
      })),
      notifications: (order?.notifications ?? []).map((n) => ({
        // email = the customer's message; storefront = the note/status written back to the store.
        channel: n.channel,
        template: n.template,
        status: n.status,
        at: n.sentAt.toISOString(),
        requestedBy: n.requestedBy ?? undefined,
      })),
    };
    const lines: string[] = [
      `${workflowId}  ${desc.status.name}  (run ${desc.runId}, ${desc.historyLength} events, started ${age(desc.startTime)} ago)`,
    ];
    if (status) {
      lines.push(
        `state     ${status.state}${status.nextDeadline ? `  (next deadline ${status.nextDeadline})` : ''}`,
      );
      for (const r of status.reasons) lines.push(`reason    ${r.code}: ${r.message}`);
      for (const l of status.lines)
        lines.push(
          `line ${l.lineNo}    ${l.sku} x${l.quantity}  ${l.state}  delivered ${l.delivered}${l.region ? `  region ${l.region}` : ''}${l.masked.length ? `  ${l.masked.join(' ')}` : ''}`,
        );
      for (const b of status.batches)
        lines.push(
          `batch ${b.batch}   ${b.clientOrderId}  ${b.state}${b.supplierOrderId ? `  supplier ${b.supplierOrderId}` : ''}`,
        );
      for (const d of status.decisions)
        lines.push(`decision  ${d.action} by ${d.by} at ${d.at}${d.note ? ` (${d.note})` : ''}`);
    } else {
      lines.push(`state     (status query not answered) ${sa(desc, 'CardbridgeStatus') || ''}`.trimEnd());
    }
    if (order) {
      lines.push(
        `order     ${order.storeId}/${order.externalOrderId}  ${order.total.toFixed(2)} ${order.currency}  ${order.channel}  db status ${order.status}`,
      );
      if (data.events.length) lines.push('events:');
      for (const e of data.events)
        lines.push(`  ${e.at}  ${e.type}  ${e.status}${e.lineNo ? `  line ${e.lineNo}` : ''}`);
      for (const r of data.reviewCases)
        lines.push(
          `review    ${r.status}  ${r.reasonCode}: ${r.reason}${r.decision ? `  -> ${r.decision} by ${r.decidedBy}` : ''}`,
        );
      for (const n of data.notifications)
        lines.push(
          `notice    ${n.channel.padEnd(10)} ${n.template}  ${n.status}  ${n.at}${n.requestedBy ? `  (requested by ${n.requestedBy})` : ''}`,
        );
    } else {
      lines.push('order     not recorded in the database (no paid order details yet)');
    }
    ctx.out(lines.join('\n'), data);
  },
};
