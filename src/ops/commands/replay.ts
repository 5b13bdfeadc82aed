// `ops replay <order> --by NAME`: re-run a failed fulfillment.
// - running and held for review -> the `retry` review decision (as `decide --action retry`);
// - closed as Failed, Terminated, TimedOut or Canceled (the execution itself broke: a bug, a
//   worker crash loop, an operator's terminate) -> a reset to its first workflow task, which
//   starts a new run with the same workflow id and the same order details and re-applies the
//   signals received since. Supplier orders use deterministic idempotency keys per batch, so a
//   re-run asks the supplier for the same batch and never buys twice.
// - closed as Completed (delivered, refunded, cancelled, not paid, skipped) -> refused.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { need, orderArg, str } from '../args';
import { Refused, type Command } from '../command';
import { searchAttr as sa } from '../format';
import { describeWorkflow, queryStatus } from '../workflow';
import { applyDecision } from './decide';

// temporal.api.enums.v1.EventType
const WORKFLOW_TASK_SCHEDULED = 5;
const WORKFLOW_TASK_COMPLETED = 7;

export const replay: Command = {
  name: 'replay',
  usage: `  replay    <order> --by NAME [--note TEXT]                        retry a held order, or re-run a failed execution`,
  options: { by: { type: 'string' }, note: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const workflowId = orderArg(positionals[0]);
    const by = need(values, 'by');
    const note = str(values.note);
    const client = await ctx.client();
    const desc = await describeWorkflow(client, workflowId);
    if (desc.status.name === 'RUNNING') {
      const status = await queryStatus(client, workflowId);
      if (status?.state !== 'in_review')
        throw new Refused(
          `${workflowId} is running (${status?.state ?? sa(desc, 'CardbridgeStatus')}), not held; nothing to replay`,
        );
      return applyDecision(ctx, workflowId, { action: 'retry', by, note: note ?? 'replay' });
    }
    if (desc.status.name === 'COMPLETED' || desc.status.name === 'CONTINUED_AS_NEW') {
      throw new Refused(
        `${workflowId} finished (${sa(desc, 'CardbridgeStatus') || desc.status.name}); a finished order is not replayed. A customer who still needs codes gets a new storefront order.`,
      );
    }
    let eventId: number | undefined;
    const history = await client.workflow.getHandle(workflowId, desc.runId).fetchHistory();
    for (const e of history.events ?? []) {
      if (e.eventType === WORKFLOW_TASK_COMPLETED) {
        eventId = Number(e.eventId);
        break;
      }
      if (e.eventType === WORKFLOW_TASK_SCHEDULED && eventId === undefined) eventId = Number(e.eventId) + 1;
    }
    if (eventId === undefined) throw new Refused(`${workflowId} has no workflow task to reset to`);
    type ResetRequest = Parameters<Client['workflowService']['resetWorkflowExecution']>[0];
    const request: ResetRequest = {
      namespace: ctx.config.temporal.namespace,
      workflowExecution: { workflowId, runId: desc.runId },
      reason: `ops replay by ${by}${note ? `: ${note}` : ''}`,
      // int64 on the wire; protobufjs encodes a plain number.
      workflowTaskFinishEventId: eventId as unknown as ResetRequest['workflowTaskFinishEventId'],
      requestId: randomUUID(),
    };
    const res = (await client.workflowService.resetWorkflowExecution(request)) as { runId?: string | null };
    ctx.out(
      `${workflowId}: ${desc.status.name.toLowerCase()} run ${desc.runId} reset to its first workflow task; new run ${res.runId}.`,
      { workflowId, previousRunId: desc.runId, previousExecution: desc.status.name, runId: res.runId, by },
    );
  },
};
