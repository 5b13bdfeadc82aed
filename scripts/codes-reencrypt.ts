// `npm run codes:reencrypt`: after adding a new key to CODE_ENCRYPTION_KEYS and making it
// CODE_ACTIVE_KEY_ID, move every stored code to it. Safe to run again (and while workers run).
import { loadEnvFile, databaseUrl, loadConfig } from '../src/config';
import { createCodeVault } from '../src/codes/vault';
import { reencryptCodes } from '../src/codes/reencrypt';
import { createDb } from '../src/db/client';

async function main() {
  loadEnvFile();
  const config = loadConfig();
  const db = createDb(databaseUrl(config));
  try {
    const vault = createCodeVault(config.codes.keys, config.codes.activeKeyId, config.codes.fingerprintKey);
    const result = await reencryptCodes(db, vault, {
      onBatch: (done) => console.log(`re-encrypted ${done} so far`),
    });
    console.log(
      `re-encrypted ${result.reencrypted} codes under key "${result.activeKeyId}"; skipped ${result.skipped}; ` +
        `still under other keys: ${result.remaining}`,
    );
    if (result.remaining > 0) process.exitCode = 3;
  } finally {
    await db.$disconnect();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
