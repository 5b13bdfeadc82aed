// What an alert looks like to a person: an email (text and HTML) and a Slack-compatible
// incoming-webhook body ({ text, blocks }, mrkdwn with a <url|label> link).

export interface AlertMessage {
  kind: string;
  message: string;
  link: string;
}

const TITLES: Record<string, string> = {
  review_waiting: 'Review waiting',
  low_balance: 'Supplier balance low',
  webhook_disabled: 'Storefront webhook not active',
  workflow_failed: 'Fulfilment workflow failed',
  rate_limited: 'More alerts (rate limit)',
};

export function alertTitle(kind: string): string {
  return TITLES[kind] ?? kind;
}

export function linkLabel(link: string): string {
  return /\/admin\/orders\/[^/?#]+$/.test(link) ? 'Open the order page' : 'Open the console';
}

/** Slack mrkdwn: only &, < and > need escaping. */
const slackEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const htmlEscape = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function webhookBody(a: AlertMessage): { text: string; blocks: unknown[] } {
  const title = alertTitle(a.kind);
  const link = `<${a.link}|${linkLabel(a.link)}>`;
  return {
    text: `cardbridge: ${slackEscape(title)}. ${slackEscape(a.message)} ${link}`,
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: `*${slackEscape(title)}*\n${slackEscape(a.message)}\n${link}` },
      },
    ],
  };
}

export function emailBody(a: AlertMessage): { subject: string; text: string; html: string } {
  const title = alertTitle(a.kind);
  return {
    subject: `[cardbridge] ${title}`,
    text: `${a.message}\n\n${linkLabel(a.link)}: ${a.link}\n`,
    html:
      `<p><strong>${htmlEscape(title)}</strong></p>` +
      `<p style="white-space:pre-line">${htmlEscape(a.message)}</p>` +
      `<p><a href="${htmlEscape(a.link)}">${htmlEscape(linkLabel(a.link))}</a></p>`,
  };
}
