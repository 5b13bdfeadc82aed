// `ops alerts [--all]`: the alerts still open (--all: the last 100, cleared ones too).
import type { Command } from '../command';
import { age, table } from '../format';

export const alerts: Command = {
  name: 'alerts',
  usage: `  alerts    [--all]                                                alerts still open (--all: the last 100, cleared ones too)`,
  options: { all: { type: 'boolean' } },
  async run(ctx, { values }) {
    const rows = await ctx.db().alert.findMany({
      where: values.all ? {} : { resolvedAt: null, kind: { not: 'rate_limited' } },
      orderBy: [{ lastSeenAt: 'desc' }, { id: 'desc' }],
      take: 100,
    });
    const data = rows.map((a) => ({
      id: a.id.toString(),
      kind: a.kind,
      subject: a.subject,
      status: a.status,
      firstSeenAt: a.firstSeenAt.toISOString(),
      resolvedAt: a.resolvedAt?.toISOString() ?? null,
      sentAt: a.sentAt?.toISOString() ?? null,
      lastError: a.lastError,
      message: a.message,
      link: a.link,
    }));
    ctx.out(
      rows.length
        ? table([
            ['KIND', 'STATUS', 'AGE', 'CLEARED', 'SUBJECT', 'LINK'],
            ...rows.map((a) => [
              a.kind,
              a.status,
              age(a.firstSeenAt),
              a.resolvedAt ? age(a.resolvedAt) + ' ago' : '-',
              a.subject,
              a.link,
            ]),
          ])
        : 'No open alerts.',
      data,
    );
  },
};
