// The alerts table: each condition a scan found becomes (or refreshes) one row keyed by kind +
// subject, conditions that cleared are marked so, and the rate limit picks what goes out now.
// One transaction, so a retried activity finds its own work done and plans the same sends.
import type { Db } from '../db/client';
import { alertDedupeKey, type AlertPlan, type AlertScan } from '../shared/alerts';
import { alertTitle } from './messages';
import { planSends, SUMMARY_KIND } from './plan';

export interface RecordOptions {
  now: Date;
  rateLimit: { max: number; windowMs: number };
  consoleUrl: string;
}

/** Alerts a summary lists one by one; the rest are counted. */
const SUMMARY_LINES = 10;

export async function recordAlerts(db: Db, scan: AlertScan, opts: RecordOptions): Promise<AlertPlan> {
  const { now } = opts;
  return db.$transaction(async (tx) => {
    let opened = 0;
    const seen = new Set<string>();
    for (const c of scan.candidates) {
      const dedupeKey = alertDedupeKey(c);
      if (seen.has(dedupeKey)) continue;
      seen.add(dedupeKey);
      const row = await tx.alert.findUnique({ where: { dedupeKey } });
      if (!row) {
        await tx.alert.create({
          data: { ...c, dedupeKey, firstSeenAt: now, lastSeenAt: now },
        });
        opened++;
      } else if (row.resolvedAt) {
        // Cleared, now back: the same row, sent again.
        await tx.alert.update({
          where: { id: row.id },
          data: {
            message: c.message,
            link: c.link,
            status: 'pending',
            firstSeenAt: now,
            lastSeenAt: now,
            resolvedAt: null,
            sentAt: null,
            emailSentAt: null,
            webhookSentAt: null,
            attempts: 0,
            lastError: null,
            summaryId: null,
            occurrences: { increment: 1 },
          },
        });
        opened++;
      } else {
        await tx.alert.update({
          where: { id: row.id },
          // A message not yet sent says what holds now (the balance of this scan, say).
          data: { lastSeenAt: now, ...(row.status === 'pending' ? { message: c.message } : {}) },
        });
      }
    }

    // Cleared: open rows of a checked kind (or key) that this scan did not find.
    const checkedKinds = scan.checked.filter((s) => !s.includes(':'));
    const checkedKeys = scan.checked.filter((s) => s.includes(':'));
    const stale = await tx.alert.findMany({
      where: {
        resolvedAt: null,
        kind: { not: SUMMARY_KIND },
        OR: [{ kind: { in: checkedKinds } }, { dedupeKey: { in: checkedKeys } }],
        dedupeKey: { notIn: [...seen] },
      },
      select: { id: true, status: true },
    });
    for (const s of stale) {
      await tx.alert.update({
        where: { id: s.id },
        data: { resolvedAt: now, ...(s.status === 'pending' ? { status: 'dropped' } : {}) },
      });
    }

    const pending = await tx.alert.findMany({
      where: { status: 'pending' },
      orderBy: [{ firstSeenAt: 'asc' }, { id: 'asc' }],
      select: { id: true, kind: true },
    });
    const sentInWindow = await tx.alert.count({
      where: { status: 'sent', sentAt: { gte: new Date(now.getTime() - opts.rateLimit.windowMs) } },
    });
    const plan = planSends(
      pending.map((p) => ({ id: p.id.toString(), kind: p.kind })),
      sentInWindow,
      opts.rateLimit.max,
    );
    const send = [...plan.send];
    if (plan.summarise.length) {
      const folded = await tx.alert.findMany({
        where: { id: { in: plan.summarise.map(BigInt) } },
        orderBy: [{ firstSeenAt: 'asc' }, { id: 'asc' }],
      });
      const first = folded[0]!;
      const lines = folded
        .slice(0, SUMMARY_LINES)
        .map((a) => `- ${alertTitle(a.kind)}: ${a.message} ${a.link}`);
      const more = folded.length - lines.length;
      const summary = await tx.alert.create({
        data: {
          kind: SUMMARY_KIND,
          dedupeKey: `${SUMMARY_KIND}:${first.id}.${first.occurrences}`,
          subject: `${folded.length} alerts`,
          message:
            `${folded.length} more alerts than the rate limit (${opts.rateLimit.max} per window) lets through one by one:\n` +
            lines.join('\n') +
            (more ? `\n…and ${more} more (npm run ops -- alerts).` : ''),
          link: opts.consoleUrl,
          firstSeenAt: now,
          lastSeenAt: now,
        },
      });
      await tx.alert.updateMany({
        where: { id: { in: folded.map((a) => a.id) } },
        data: { status: 'summarised', summaryId: summary.id },
      });
      send.push(summary.id.toString());
    }
    return {
      send,
      opened,
      resolved: stale.length,
      summarised: plan.summarise.length,
      waiting: plan.wait.length,
    };
  });
}
