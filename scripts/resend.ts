// `npm run notify:resend -- <store> <order> [--by <who>]`: email the customer every code of a
// delivered order again (the ops CLI of issue 6 calls the same resendCodes function).
import { loadEnvFile, databaseUrl, loadConfig } from '../src/config';
import { createCodeVault } from '../src/codes/vault';
import { createDb } from '../src/db/client';
import { createEmailNotifier, createSmtpMailer } from '../src/notify/email';
import { resendCodes } from '../src/notify/resend';
import { createLogger } from '../src/observability/logger';

async function main() {
  loadEnvFile();
  const args = process.argv.slice(2);
  const byAt = args.indexOf('--by');
  const by = byAt >= 0 ? args.splice(byAt, 2)[1] : process.env.USER;
  const [storeId, orderId] = args;
  if (!storeId || !orderId || !by) {
    console.error('usage: npm run notify:resend -- <store> <order> [--by <who>]');
    process.exit(2);
  }
  const config = loadConfig();
  if (!config.mail.smtpUrl) throw new Error('SMTP_URL is not set: there is no mail server to resend through');
  const db = createDb(databaseUrl(config));
  const mailer = createSmtpMailer(config.mail.smtpUrl);
  try {
    const notifier = createEmailNotifier({
      db,
      vault: createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey),
      mailer,
      from: config.mail.from,
      logger: createLogger({ level: config.logLevel, name: 'resend' }),
    });
    const result = await resendCodes({ db, notifier }, { storeId, orderId, by: `ops:${by}` });
    console.log(`resent ${result.codes} codes for ${result.workflowId} (notification ${result.dedupeKey})`);
  } finally {
    mailer.close?.();
    await db.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
