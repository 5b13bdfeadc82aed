// `ops notify <order> --template T --by NAME`: send a customer notice again, through
// resendNotice (the one resend path: the admin order page and `npm run notify:resend` use it too).
import pino from 'pino';
import { createCodeVault } from '../../codes/vault';
import { createConfiguredNotifier } from '../../notify/email';
import { NOTICE_TEMPLATES } from '../../notify/notifier';
import { resendNotice, ResendError, type ResendResult } from '../../notify/resend';
import { createLogger } from '../../observability/logger';
import { need, orderArg, UsageError } from '../args';
import { Refused, type Command, type Ctx } from '../command';

/** Resends with the notifier the worker uses: SMTP when SMTP_URL is set (codes decrypted only there). */
export async function resend(
  ctx: Pick<Ctx, 'config' | 'db'>,
  input: Parameters<typeof resendNotice>[1],
): Promise<ResendResult> {
  const db = ctx.db();
  const { codes } = ctx.config;
  const notifier = createConfiguredNotifier({
    config: ctx.config,
    db,
    vault: createCodeVault(codes.keys, codes.activeKeyId, codes.fingerprintKey),
    // On stderr: stdout is the command's answer (JSON with --json).
    logger: createLogger({ level: 'warn', name: 'ops', destination: pino.destination(2) }),
  });
  try {
    return await resendNotice({ db, notifier }, input);
  } catch (err) {
    if (err instanceof ResendError) throw new Refused(err.message);
    throw err;
  }
}

export const notify: Command = {
  name: 'notify',
  usage: `  notify    <order> --template ${NOTICE_TEMPLATES.join('|')} --by NAME`,
  options: { template: { type: 'string' }, by: { type: 'string' } },
  async run(ctx, { positionals, values }) {
    const workflowId = orderArg(positionals[0]);
    const template = NOTICE_TEMPLATES.find((t) => t === values.template);
    if (!template) throw new UsageError(`--template is one of ${NOTICE_TEMPLATES.join(', ')}`);
    const r = await resend(ctx, { workflowId, template, by: need(values, 'by') });
    ctx.out(`${workflowId}: "${template}" notice sent again to ${r.recipient} (by ${r.requestedBy}).`, {
      workflowId,
      template,
      recipient: r.recipient,
      dedupeKey: r.dedupeKey,
      by: r.requestedBy,
      status: r.status,
      codes: r.codes,
    });
  },
};
