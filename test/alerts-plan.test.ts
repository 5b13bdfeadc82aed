// The alert rate limit and message shapes, pure.
import { describe, expect, it } from 'vitest';
import { planSends } from '../src/alerts/plan';
import { emailBody, webhookBody } from '../src/alerts/messages';
import { loadConfig } from '../src/config';

const alerts = (n: number, kind = 'review_waiting') =>
  Array.from({ length: n }, (_, i) => ({ id: String(i + 1), kind }));

describe('alert rate limit', () => {
  it('sends everything that fits in the window', () => {
    expect(planSends(alerts(3), 0, 5)).toEqual({ send: ['1', '2', '3'], summarise: [], wait: [] });
    expect(planSends(alerts(2), 3, 5)).toEqual({ send: ['1', '2'], summarise: [], wait: [] });
  });

  it('folds what does not fit into one summary in the last slot', () => {
    expect(planSends(alerts(6), 0, 3)).toEqual({
      send: ['1', '2'],
      summarise: ['3', '4', '5', '6'],
      wait: [],
    });
    // One slot left: everything goes into the summary.
    expect(planSends(alerts(4), 4, 5)).toEqual({ send: [], summarise: ['1', '2', '3', '4'], wait: [] });
  });

  it('never makes a summary of one alert', () => {
    expect(planSends(alerts(3), 0, 2)).toEqual({ send: ['1'], summarise: ['2', '3'], wait: [] });
    // Two earlier summaries and one alert, two slots: the alert goes alone, not as a summary.
    const pending = [{ id: '8', kind: 'rate_limited' }, { id: '9', kind: 'rate_limited' }, ...alerts(1)];
    expect(planSends(pending, 0, 2)).toEqual({ send: ['8', '1'], summarise: [], wait: ['9'] });
  });

  it('sends nothing while the window is full', () => {
    expect(planSends(alerts(2), 5, 5)).toEqual({ send: [], summarise: [], wait: ['1', '2'] });
    expect(planSends(alerts(2), 9, 5)).toEqual({ send: [], summarise: [], wait: ['1', '2'] });
  });

  it('sends an earlier summary first and never folds it again', () => {
    const pending = [...alerts(3), { id: '9', kind: 'rate_limited' }];
    expect(planSends(pending, 0, 2)).toEqual({ send: ['9'], summarise: ['1', '2', '3'], wait: [] });
    const two = [{ id: '8', kind: 'rate_limited' }, { id: '9', kind: 'rate_limited' }, ...alerts(3)];
    expect(planSends(two, 0, 2)).toEqual({ send: ['8'], summarise: ['1', '2', '3'], wait: ['9'] });
  });
});

describe('alert messages', () => {
  const alert = {
    kind: 'review_waiting',
    message: 'Order demo:1042 has waited 20 min for a review decision (UNMAPPED_SKU: <PSN-ZZ> & co).',
    link: 'https://cb.example/admin/orders/fulfill%3Ademo%3A1042',
  };

  it('is a Slack incoming-webhook body: text fallback, a mrkdwn section, a <url|label> link', () => {
    const body = webhookBody(alert);
    expect(body.text).toContain('Review waiting');
    expect(body.text).toContain('&lt;PSN-ZZ&gt; &amp; co');
    expect(body.text).toContain(
      '<https://cb.example/admin/orders/fulfill%3Ademo%3A1042|Open the order page>',
    );
    expect(body.blocks).toEqual([
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text:
            '*Review waiting*\nOrder demo:1042 has waited 20 min for a review decision (UNMAPPED_SKU: &lt;PSN-ZZ&gt; &amp; co).\n' +
            '<https://cb.example/admin/orders/fulfill%3Ademo%3A1042|Open the order page>',
        },
      },
    ]);
  });

  it('is an email with the link in text and HTML (escaped)', () => {
    const mail = emailBody(alert);
    expect(mail.subject).toBe('[cardbridge] Review waiting');
    expect(mail.text).toContain('Open the order page: https://cb.example/admin/orders/fulfill%3Ademo%3A1042');
    expect(mail.html).toContain('<a href="https://cb.example/admin/orders/fulfill%3Ademo%3A1042">');
    expect(mail.html).toContain('&lt;PSN-ZZ&gt; &amp; co');
    expect(webhookBody({ ...alert, kind: 'low_balance', link: 'https://cb.example/admin' }).text).toContain(
      '|Open the console>',
    );
  });
});

describe('alert settings', () => {
  it('defaults: scan every minute, a review may wait 15 min, 10 messages an hour, links to the local console', () => {
    expect(loadConfig({}).alerts).toEqual({
      emailTo: [],
      webhookUrl: undefined,
      scanIntervalMs: 60_000,
      reviewWaitMs: 15 * 60_000,
      rateLimit: { max: 10, windowMs: 3_600_000 },
      consoleUrl: 'http://127.0.0.1:3000/admin',
    });
  });

  it('links use API_PUBLIC_URL; email needs SMTP_URL; bad values are refused', () => {
    const c = loadConfig({
      API_PUBLIC_URL: 'https://cb.example.com/',
      SMTP_URL: 'smtp://mail.example.com:25',
      ALERT_EMAIL_TO: 'ops@example.com, oncall@example.com',
      ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      ALERT_RATE_LIMIT: '3',
    });
    expect(c.alerts).toMatchObject({
      emailTo: ['ops@example.com', 'oncall@example.com'],
      webhookUrl: 'https://hooks.slack.com/services/T0/B0/x',
      rateLimit: { max: 3, windowMs: 3_600_000 },
      consoleUrl: 'https://cb.example.com/admin',
    });
    expect(() => loadConfig({ ALERT_EMAIL_TO: 'ops@example.com' })).toThrow(
      /ALERT_EMAIL_TO is set, but SMTP_URL is not/,
    );
    expect(() => loadConfig({ SMTP_URL: 'smtp://m:25', ALERT_EMAIL_TO: 'not-an-address' })).toThrow(
      /ALERT_EMAIL_TO/,
    );
    expect(() => loadConfig({ ALERT_RATE_LIMIT: '0' })).toThrow(/ALERT_RATE_LIMIT/);
    expect(() => loadConfig({ ALERT_REVIEW_WAIT: 'soon' })).toThrow(/ALERT_REVIEW_WAIT/);
  });
});
