// Customer email over SMTP (nodemailer). Each notice is one `notifications` row keyed by the
// workflow's dedupe key: written as `pending` before sending, `sent` (with the Message-ID)
// after, so an activity retry after a successful send does nothing. A crash between the SMTP
// answer and the row update sends once more (at-least-once; the Message-ID is derived from the
// dedupe key, so mail clients show it as the same message).
//
// Codes are decrypted here and nowhere else, only for the delivered template, only into the
// message handed to the SMTP transport.
import { createHash } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { CodeVault } from '../codes/vault';
import type { Db } from '../db/client';
import type { Order } from '../generated/prisma/client';
import { scrubText } from '../observability/logger';
import type { Config } from '../config';
import { createRecordingNotifier, type NoticeRequest, type Notifier } from './notifier';
import { renderNotice, type DeliveredLine } from './templates';

export interface MailMessage {
  from: string;
  to: string;
  replyTo?: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** The transport seam: SMTP in production, anything in tests. */
export interface Mailer {
  send(message: MailMessage): Promise<{ messageId: string }>;
  close?(): void;
}

export function createSmtpMailer(smtpUrl: string, opts: { timeoutMs?: number } = {}): Mailer {
  const timeout = opts.timeoutMs ?? 20_000;
  const transport = nodemailer.createTransport(smtpUrl, {
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  return {
    async send(m) {
      const info = await transport.sendMail({
        from: m.from,
        to: m.to,
        replyTo: m.replyTo,
        subject: m.subject,
        text: m.text,
        html: m.html,
        messageId: m.messageId,
      });
      return { messageId: String(info.messageId ?? m.messageId) };
    },
    close: () => transport.close(),
  };
}

export interface EmailNotifierDeps {
  db: Db;
  vault: CodeVault;
  mailer: Mailer;
  /** MAIL_FROM, e.g. `Shop <no-reply@shop.example>`. */
  from: string;
  logger: Logger;
}

/** Decrypts an order's codes for delivery, grouped by line. */
export async function deliveredLines(db: Db, vault: CodeVault, order: Order): Promise<DeliveredLine[]> {
  const [lines, codes] = await Promise.all([
    db.orderLine.findMany({ where: { orderId: order.id }, orderBy: { lineNo: 'asc' } }),
    db.deliveredCode.findMany({
      where: { orderId: order.id },
      orderBy: [{ lineNo: 'asc' }, { unitIndex: 'asc' }],
    }),
  ]);
  return lines
    .map((l) => ({
      sku: l.sku,
      codes: codes
        .filter((c) => c.lineNo === l.lineNo)
        .map((c) => JSON.parse(vault.decrypt(c.ciphertext)) as { code: string; pin?: string }),
    }))
    .filter((l) => l.codes.length > 0);
}

function fromWithName(from: string, name: string | null | undefined): string {
  if (!name) return from;
  const address = /<([^>]+)>/.exec(from)?.[1] ?? from;
  return `"${name.replace(/["\\\r\n]/g, '')}" <${address}>`;
}

export function createEmailNotifier(deps: EmailNotifierDeps): Notifier {
  const { db } = deps;
  return {
    async notify({ order, template, dedupeKey, requestedBy }: NoticeRequest) {
      const log = { orderId: order.externalOrderId, workflowId: order.workflowId, template, dedupeKey };
      await db.notification.createMany({
        data: [
          {
            orderId: order.id,
            channel: 'email',
            template,
            recipient: order.customerEmail,
            status: order.customerEmail ? 'pending' : 'no_recipient',
            dedupeKey,
            requestedBy: requestedBy ?? null,
          },
        ],
        skipDuplicates: true,
      });
      const row = await db.notification.findUniqueOrThrow({ where: { dedupeKey } });
      if (row.status === 'sent' || row.status === 'no_recipient') {
        deps.logger.info({ ...log, status: row.status }, 'customer notice already handled');
        return;
      }
      const store = await db.store.findUniqueOrThrow({ where: { id: order.storeId } });
      const lines = template === 'delivered' ? await deliveredLines(db, deps.vault, order) : undefined;
      const rendered = renderNotice(template, {
        storeName: store.name,
        orderId: order.externalOrderId,
        supportEmail: store.supportEmail,
        lines,
      });
      const domain = /@([^>\s]+)/.exec(deps.from)?.[1] ?? 'cardbridge.invalid';
      const messageId = `<${createHash('sha256').update(dedupeKey).digest('hex').slice(0, 32)}@${domain}>`;
      let sent: { messageId?: string };
      try {
        sent = await deps.mailer.send({
          from: fromWithName(deps.from, store.mailFromName),
          to: order.customerEmail!,
          replyTo: store.supportEmail ?? undefined,
          ...rendered,
          messageId,
        });
      } catch (err) {
        const error = scrubText((err as Error).message ?? String(err)).slice(0, 500);
        await db.notification.update({ where: { id: row.id }, data: { status: 'failed', error } });
        deps.logger.warn({ ...log, error }, 'customer notice not sent; will retry');
        // No `cause`: the transport's error can name the recipient; the scrubbed text is enough.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`sending the ${template} email failed: ${error}`);
      }
      // Only the send is in the try: a database error after a sent email must not mark it failed
      // (a retry would then email the customer twice).
      await db.notification.update({
        where: { id: row.id },
        data: { status: 'sent', messageId: sent.messageId ?? null, sentAt: new Date(), error: null },
      });
      deps.logger.info(log, 'customer notice sent');
    },
  };
}

/** SMTP when SMTP_URL is set; otherwise notices are only recorded (development without mail). */
export function createConfiguredNotifier(deps: {
  config: Pick<Config, 'mail'>;
  db: Db;
  vault: CodeVault;
  logger: Logger;
}): Notifier {
  const { smtpUrl, from } = deps.config.mail;
  if (!smtpUrl) {
    deps.logger.warn('SMTP_URL is not set: customer emails are recorded, not sent');
    return createRecordingNotifier({ db: deps.db, logger: deps.logger });
  }
  return createEmailNotifier({
    db: deps.db,
    vault: deps.vault,
    mailer: createSmtpMailer(smtpUrl),
    from,
    logger: deps.logger,
  });
}
