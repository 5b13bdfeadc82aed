// `ops decide <order> --action ... --by NAME`: the review decision, through decideReview (the
// same function the admin exceptions page uses), so both check, send and refuse alike.
import { readFileSync } from 'node:fs';
import { decideReview, ReviewDecisionError, REVIEW_ACTIONS } from '../../review/decide';
import type { ReviewAction, ReviewDecision } from '../../shared/contract';
import { orderArg, str, UsageError } from '../args';
import { Refused, type Command, type Ctx } from '../command';

/** Sends the decision and prints the outcome; shared with `ops replay` (an order in review). */
export async function applyDecision(ctx: Ctx, workflowId: string, decision: ReviewDecision): Promise<void> {
  const client = await ctx.client();
  let state: string;
  try {
    state = (await decideReview(client, workflowId, decision)).state;
  } catch (err) {
    if (!(err instanceof ReviewDecisionError)) throw err;
    if (err.kind === 'invalid') throw new UsageError(err.reason);
    throw new Refused(err.kind === 'refused' ? `decision rejected: ${err.reason}` : err.reason);
  }
  ctx.out(`${workflowId}: ${decision.action} accepted (by ${decision.by}); the order is now ${state}.`, {
    workflowId,
    accepted: true,
    decision: {
      ...decision,
      codes: decision.codes?.map((c) => ({ lineNo: c.lineNo, count: c.codes.length })),
    },
    state,
  });
}

export const decide: Command = {
  name: 'decide',
  usage: `  decide    <order> --action ${REVIEW_ACTIONS.join('|')} --by NAME [--note TEXT] [--codes-file FILE]`,
  options: {
    action: { type: 'string' },
    by: { type: 'string' },
    note: { type: 'string' },
    'codes-file': { type: 'string' },
  },
  async run(ctx, { positionals, values }) {
    const workflowId = orderArg(positionals[0]);
    const decision: ReviewDecision = {
      action: (str(values.action) ?? '') as ReviewAction,
      by: str(values.by) ?? '',
      note: str(values.note),
    };
    const codesFile = str(values['codes-file']);
    if (codesFile) decision.codes = JSON.parse(readFileSync(codesFile, 'utf8')) as ReviewDecision['codes'];
    await applyDecision(ctx, workflowId, decision);
  },
};
