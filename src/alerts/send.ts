// Sends one alert row through every configured channel. Each channel's success is written as it
// happens and the row becomes `sent` only when all have it, so a retry re-sends only what did
// not go out. With no channel configured the row is `recorded` (and logged by the caller).
import type { Db } from '../db/client';
import { scrubText } from '../observability/logger';
import { channelNames, emailAlert, postAlert, type AlertChannels } from './channels';

export type SendOutcome = 'sent' | 'recorded' | 'not_pending';

export async function sendAlertRow(
  db: Db,
  id: bigint,
  channels: AlertChannels,
  now: () => Date = () => new Date(),
): Promise<SendOutcome> {
  const row = await db.alert.findUnique({ where: { id } });
  if (!row || row.status !== 'pending') return 'not_pending';
  const names = channelNames(channels);
  if (!names.length) {
    await db.alert.update({ where: { id }, data: { status: 'recorded', sentAt: now() } });
    return 'recorded';
  }
  const errors: string[] = [];
  const key = `${row.dedupeKey}#${row.occurrences}`;
  if (channels.email && !row.emailSentAt) {
    try {
      await emailAlert(channels.email, row, key);
      await db.alert.update({ where: { id }, data: { emailSentAt: now() } });
    } catch (err) {
      errors.push(`email: ${scrubText((err as Error).message)}`);
    }
  }
  if (channels.webhook && !row.webhookSentAt) {
    try {
      await postAlert(channels.webhook, row);
      await db.alert.update({ where: { id }, data: { webhookSentAt: now() } });
    } catch (err) {
      errors.push(`webhook: ${(err as Error).message}`);
    }
  }
  if (errors.length) {
    const lastError = errors.join('; ').slice(0, 500);
    await db.alert.update({ where: { id }, data: { attempts: { increment: 1 }, lastError } });
    throw new Error(`alert ${id} not sent: ${lastError}`);
  }
  await db.alert.update({
    where: { id },
    data: { status: 'sent', sentAt: now(), attempts: { increment: 1 }, lastError: null },
  });
  return 'sent';
}
