// Replays every recorded history in test/replay/ against the current workflow code, so a
// non-deterministic change fails the build. Re-record after an intended, patched() change with
// `RECORD_REPLAY=1 npx vitest run test/fulfill-order.test.ts`.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createPayloadCodec } from '../src/temporal/codec';
import { REPLAY_DIR } from './support/replay';
import { workflowBundlePath } from './support/run-assets';

const files = readdirSync(REPLAY_DIR).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has representative histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });

  it('replays every history deterministically', async () => {
    // The histories were recorded by the test stack, whose payloads are encrypted with the
    // non-production default codec key.
    const codec = createPayloadCodec(loadConfig({ NODE_ENV: 'test' }));
    const histories = files.map((f) => ({
      workflowId: path.basename(f, '.json'),
      history: historyFromJSON(JSON.parse(readFileSync(path.join(REPLAY_DIR, f), 'utf8'))),
    }));
    const failures: string[] = [];
    for await (const r of Worker.runReplayHistories(
      {
        workflowBundle: { codePath: workflowBundlePath() },
        dataConverter: { payloadCodecs: [codec] },
      },
      histories,
    )) {
      if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);
});
