// Customer email templates, one per order state. Plain functions of their input: the delivered
// template is the only one that receives codes, and only the email notifier calls it.
import type { NoticeTemplate } from './notifier';

export interface DeliveredLine {
  sku: string;
  codes: { code: string; pin?: string }[];
}

export interface NoticeContext {
  storeName: string;
  orderId: string;
  supportEmail?: string | null;
  /** Delivered template only. */
  lines?: DeliveredLine[];
}

export interface RenderedNotice {
  subject: string;
  text: string;
  html: string;
}

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const BODIES: Record<Exclude<NoticeTemplate, 'delivered'>, { subject: string; paragraphs: string[] }> = {
  processing: {
    subject: 'we are preparing your codes',
    paragraphs: [
      'Thank you for your order. Your payment is confirmed and we are getting your codes from our supplier.',
      'This usually takes a few minutes; you will receive another email with your codes as soon as they are ready.',
    ],
  },
  review: {
    subject: 'your order is being checked',
    paragraphs: [
      'Your order needs a quick manual check before we can deliver it. You do not need to do anything.',
      'We will email you again as soon as the check is done, usually within one business day.',
    ],
  },
  refunded: {
    subject: 'your order has been refunded',
    paragraphs: [
      'Your order has been refunded to your original payment method.',
      'Depending on your bank, the money can take a few business days to appear on your statement.',
    ],
  },
  cancelled: {
    subject: 'your order has been cancelled',
    paragraphs: [
      'Your order has been cancelled and no codes were issued for it.',
      'If you were charged, the payment will be returned to your original payment method.',
    ],
  },
};

export function renderNotice(template: NoticeTemplate, ctx: NoticeContext): RenderedNotice {
  const help = ctx.supportEmail
    ? `Questions? Reply to this email or write to ${ctx.supportEmail}.`
    : 'Questions? Reply to this email.';
  const head = `${ctx.storeName} order ${ctx.orderId}`;
  let subject: string;
  let paragraphs: string[];
  let codesText = '';
  let codesHtml = '';
  if (template === 'delivered') {
    const lines = ctx.lines ?? [];
    const count = lines.reduce((n, l) => n + l.codes.length, 0);
    subject = `${head}: your ${count === 1 ? 'code is' : 'codes are'} ready`;
    paragraphs = [
      `Here ${count === 1 ? 'is your code' : `are your ${count} codes`}. Keep this email: a code is like cash, so do not share it with anyone.`,
      'Redeem it on the account of the region you chose when ordering.',
    ];
    const fmt = (c: { code: string; pin?: string }) => (c.pin ? `${c.code} (PIN ${c.pin})` : c.code);
    codesText = lines.map((l) => `${l.sku}:\n${l.codes.map((c) => `  ${fmt(c)}`).join('\n')}`).join('\n');
    codesHtml = lines
      .map(
        (l) =>
          `<h3>${esc(l.sku)}</h3><ul>${l.codes
            .map((c) => `<li><code style="font-size:1.2em">${esc(fmt(c))}</code></li>`)
            .join('')}</ul>`,
      )
      .join('');
  } else {
    subject = `${head}: ${BODIES[template].subject}`;
    paragraphs = BODIES[template].paragraphs;
  }
  const text = [`${head}`, '', ...paragraphs.flatMap((p) => [p, '']), codesText, codesText ? '' : null, help]
    .filter((l): l is string => l !== null)
    .join('\n');
  const html =
    `<!doctype html><html><body style="font-family:sans-serif">` +
    `<h2>${esc(head)}</h2>${paragraphs.map((p) => `<p>${esc(p)}</p>`).join('')}${codesHtml}` +
    `<p>${esc(help)}</p></body></html>`;
  return { subject, text, html };
}
