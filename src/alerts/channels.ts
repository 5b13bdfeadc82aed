// Where alerts go: an ops mailbox over SMTP (the customer mailer's transport) and/or a JSON
// webhook (a Slack incoming webhook, or anything that takes its body). The webhook URL is a
// secret (Slack's carries its token): it never appears in an error or a log line.
import { createHash } from 'node:crypto';
import { createSmtpMailer, type Mailer } from '../notify/email';
import type { Config } from '../config';
import { emailBody, webhookBody, type AlertMessage } from './messages';

export interface AlertChannels {
  email?: { mailer: Mailer; from: string; to: string[] };
  webhook?: { url: string; timeoutMs?: number };
}

export type ChannelName = 'email' | 'webhook';

export function channelNames(channels: AlertChannels): ChannelName[] {
  return [
    ...(channels.email ? (['email'] as const) : []),
    ...(channels.webhook ? (['webhook'] as const) : []),
  ];
}

/** One alert to the ops mailbox; the Message-ID is derived from `key`, so a re-send threads as one. */
export async function emailAlert(
  email: NonNullable<AlertChannels['email']>,
  alert: AlertMessage,
  key: string,
): Promise<void> {
  const domain = /@([^>\s]+)/.exec(email.from)?.[1] ?? 'cardbridge.invalid';
  await email.mailer.send({
    from: email.from,
    to: email.to.join(', '),
    ...emailBody(alert),
    messageId: `<alert-${createHash('sha256').update(key).digest('hex').slice(0, 32)}@${domain}>`,
  });
}

export async function postAlert(
  webhook: NonNullable<AlertChannels['webhook']>,
  alert: AlertMessage,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(webhook.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(webhookBody(alert)),
      signal: AbortSignal.timeout(webhook.timeoutMs ?? 10_000),
    });
  } catch (err) {
    // Not the URL, not `cause` (it can carry it): the error's kind is enough.
    // eslint-disable-next-line preserve-caught-error
    throw new Error(`the alert webhook could not be reached (${(err as Error).name})`);
  }
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`the alert webhook answered HTTP ${res.status}`);
}

/** The channels config names: SMTP when ALERT_EMAIL_TO is set, the webhook when its URL is. */
export function configuredAlertChannels(
  config: Pick<Config, 'alerts' | 'mail'>,
  mailer?: Mailer,
): AlertChannels {
  const { emailTo, webhookUrl } = config.alerts;
  const smtpUrl = config.mail.smtpUrl;
  return {
    email:
      emailTo.length && (mailer || smtpUrl)
        ? { mailer: mailer ?? createSmtpMailer(smtpUrl!), from: config.mail.from, to: emailTo }
        : undefined,
    webhook: webhookUrl ? { url: webhookUrl } : undefined,
  };
}
