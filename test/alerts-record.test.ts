// The alerts table against a real database (PGlite, or PostgreSQL with TEST_DATABASE_URL), a real
// SMTP server and a local webhook receiver: each condition is sent once, a cleared one that comes
// back is sent again, a flood is cut by the rate limit into one summary, and a retry re-sends
// only the channel that failed.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { configuredAlertChannels, type AlertChannels } from '../src/alerts/channels';
import { recordAlerts } from '../src/alerts/record';
import { sendAlertRow } from '../src/alerts/send';
import { loadConfig } from '../src/config';
import { main as ops } from '../src/ops/cli';
import { createDb, type Db } from '../src/db/client';
import type { AlertCandidate, AlertScan } from '../src/shared/alerts';
import { startAlertReceiver, type AlertReceiver } from './support/alert-receiver';
import { startSmtpServer } from './support/smtp';
import { startTestDatabase, type TestDatabase } from './support/stack';

let database: TestDatabase;
let db: Db;
let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
let receiver: AlertReceiver;
let channels: AlertChannels;

const CONSOLE = 'https://cb.example/admin';
const T0 = new Date('2030-01-01T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
const opts = (now: Date, max = 10) => ({ now, rateLimit: { max, windowMs: 3_600_000 }, consoleUrl: CONSOLE });

const balanceLow: AlertCandidate = {
  kind: 'low_balance',
  subject: 'alpha-psn',
  message: 'Supplier alpha-psn balance is 40.00 USD, under the low-water mark 100.',
  link: CONSOLE,
};
const review = (n: number): AlertCandidate => ({
  kind: 'review_waiting',
  subject: `case-${n}`,
  message: `Order demo:${n} has waited 20 min for a review decision.`,
  link: `${CONSOLE}/orders/${encodeURIComponent(`fulfill:demo:${n}`)}`,
});
const scan = (
  candidates: AlertCandidate[],
  checked = ['review_waiting', 'low_balance:alpha-psn'],
): AlertScan => ({
  candidates,
  checked,
  errors: [],
});

async function sendAll(ids: string[], now: Date) {
  for (const id of ids) await sendAlertRow(db, BigInt(id), channels, () => now);
}

beforeAll(async () => {
  database = await startTestDatabase();
  db = createDb(database.url);
  smtp = await startSmtpServer();
  receiver = await startAlertReceiver();
  const config = loadConfig({
    NODE_ENV: 'test',
    SMTP_URL: smtp.url,
    ALERT_EMAIL_TO: 'ops@example.test,oncall@example.test',
    ALERT_WEBHOOK_URL: receiver.url,
  });
  channels = configuredAlertChannels(config);
});

afterAll(async () => {
  channels?.email?.mailer.close?.();
  await receiver?.stop();
  await smtp?.stop();
  await db?.$disconnect();
  await database?.stop();
});

beforeEach(async () => {
  await db.alert.deleteMany();
  smtp.messages.length = 0;
  receiver.bodies.length = 0;
  receiver.status = 200;
});

describe('alerts table', () => {
  it('sends a condition once, marks it cleared, and sends it again when it comes back', async () => {
    const first = await recordAlerts(db, scan([balanceLow, review(1)]), opts(at(0)));
    expect(first).toMatchObject({ opened: 2, resolved: 0, summarised: 0, waiting: 0 });
    await sendAll(first.send, at(0));
    expect(receiver.bodies.map((b) => b.text)).toEqual([
      expect.stringContaining('Supplier alpha-psn balance is 40.00 USD'),
      expect.stringContaining(`<${CONSOLE}/orders/fulfill%3Ademo%3A1|Open the order page>`),
    ]);
    expect(smtp.messages.map((m) => [m.subject, m.to])).toEqual([
      ['[cardbridge] Supplier balance low', ['ops@example.test', 'oncall@example.test']],
      ['[cardbridge] Review waiting', ['ops@example.test', 'oncall@example.test']],
    ]);
    expect(smtp.messages[1]!.text).toContain(`${CONSOLE}/orders/fulfill%3Ademo%3A1`);

    // Still there a minute later: nothing new.
    const again = await recordAlerts(db, scan([balanceLow, review(1)]), opts(at(1)));
    expect(again).toMatchObject({ send: [], opened: 0, resolved: 0 });

    // The balance was topped up, the review decided: both cleared.
    const cleared = await recordAlerts(db, scan([]), opts(at(2)));
    expect(cleared).toMatchObject({ send: [], opened: 0, resolved: 2 });
    expect(await db.alert.count({ where: { resolvedAt: { not: null } } })).toBe(2);

    // Low again: the same row, sent a second time.
    const back = await recordAlerts(db, scan([balanceLow]), opts(at(3)));
    expect(back).toMatchObject({ opened: 1 });
    await sendAll(back.send, at(3));
    expect(receiver.bodies).toHaveLength(3);
    expect(smtp.messages).toHaveLength(3);
    const row = await db.alert.findUniqueOrThrow({ where: { dedupeKey: 'low_balance:alpha-psn' } });
    expect(row).toMatchObject({ status: 'sent', occurrences: 2, resolvedAt: null });
  });

  it('leaves alerts of a check that failed as they are', async () => {
    await sendAll((await recordAlerts(db, scan([balanceLow]), opts(at(0)))).send, at(0));
    // The balance call failed this time: low_balance:alpha-psn is not among the checked.
    const plan = await recordAlerts(db, scan([], ['review_waiting']), opts(at(1)));
    expect(plan.resolved).toBe(0);
    expect(
      (await db.alert.findUniqueOrThrow({ where: { dedupeKey: 'low_balance:alpha-psn' } })).resolvedAt,
    ).toBeNull();
  });

  it('cuts a flood: the oldest one by one, the rest in one summary, then nothing until the window moves', async () => {
    const flood = Array.from({ length: 7 }, (_, i) => review(100 + i));
    const plan = await recordAlerts(db, scan(flood), opts(at(0), 3));
    expect(plan).toMatchObject({ opened: 7, summarised: 5, waiting: 0 });
    expect(plan.send).toHaveLength(3);
    await sendAll(plan.send, at(0));
    expect(receiver.bodies).toHaveLength(3);
    expect(smtp.messages).toHaveLength(3);
    const summary = receiver.bodies[2]!.text;
    expect(summary).toContain('5 more alerts than the rate limit (3 per window)');
    for (const n of [102, 103, 104, 105, 106]) expect(summary).toContain(`demo:${n} has waited`);
    expect(await db.alert.count({ where: { status: 'summarised' } })).toBe(5);

    // Two new ones while the window is full: they wait, then go out when it has moved on.
    const more = await recordAlerts(db, scan([...flood, review(200), review(201)]), opts(at(10), 3));
    expect(more).toMatchObject({ send: [], opened: 2, waiting: 2 });
    const later = await recordAlerts(db, scan([...flood, review(200), review(201)]), opts(at(61), 3));
    expect(later.send).toHaveLength(2);
    await sendAll(later.send, at(61));
    expect(receiver.bodies.slice(3).map((b) => b.text)).toEqual([
      expect.stringContaining('demo:200'),
      expect.stringContaining('demo:201'),
    ]);
  });

  it('a retry re-sends only the channel that failed', async () => {
    const plan = await recordAlerts(db, scan([balanceLow]), opts(at(0)));
    receiver.status = 500;
    await expect(sendAll(plan.send, at(0))).rejects.toThrow(/alert webhook answered HTTP 500/);
    expect(smtp.messages).toHaveLength(1);
    const failed = await db.alert.findUniqueOrThrow({ where: { dedupeKey: 'low_balance:alpha-psn' } });
    expect(failed).toMatchObject({ status: 'pending', attempts: 1, webhookSentAt: null });
    expect(failed.emailSentAt).not.toBeNull();
    // The error names neither the webhook URL nor its token.
    expect(failed.lastError).not.toContain('secret-token');

    receiver.status = 200;
    await sendAll(plan.send, at(1));
    expect(smtp.messages).toHaveLength(1);
    expect(receiver.bodies).toHaveLength(1);
    // The next scan sends nothing more.
    expect((await recordAlerts(db, scan([balanceLow]), opts(at(2)))).send).toEqual([]);
  });

  it('npm run ops -- alerts lists the open ones, --all the cleared ones too', async () => {
    await sendAll((await recordAlerts(db, scan([balanceLow, review(7)]), opts(at(0)))).send, at(0));
    await recordAlerts(db, scan([balanceLow]), opts(at(1)));
    const saved = { ...process.env };
    Object.assign(process.env, {
      NODE_ENV: 'test',
      ENV_FILE: '',
      DATABASE_URL: database.url,
      LOG_LEVEL: 'silent',
    });
    const lines: string[] = [];
    const log = vi
      .spyOn(console, 'log')
      .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      expect(await ops(['alerts'])).toBe(0);
      expect(await ops(['alerts', '--all', '--json'])).toBe(0);
    } finally {
      log.mockRestore();
      process.env = saved;
    }
    expect(lines[0]).toContain('low_balance  sent');
    expect(lines[0]).toContain(CONSOLE);
    expect(lines[0]).not.toContain('review_waiting');
    const all = JSON.parse(lines[1]!) as { kind: string; resolvedAt: string | null }[];
    expect(all.map((a) => [a.kind, !!a.resolvedAt]).sort()).toEqual([
      ['low_balance', false],
      ['review_waiting', true],
    ]);
  });

  it('records and logs only when no channel is configured', async () => {
    const plan = await recordAlerts(db, scan([balanceLow]), opts(at(0)));
    for (const id of plan.send) await expect(sendAlertRow(db, BigInt(id), {})).resolves.toBe('recorded');
    expect(receiver.bodies).toHaveLength(0);
    expect((await recordAlerts(db, scan([balanceLow]), opts(at(1)))).send).toEqual([]);
  });
});
