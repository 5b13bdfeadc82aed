// Records representative histories into test/replay/ (RECORD_REPLAY=1) for the replay test.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { temporalCli, type Stack } from './stack';

export const REPLAY_DIR = path.join(__dirname, '..', 'replay');
const kept: { name: string; workflowId: string }[] = [];

/**
 * Marks a finished workflow as a representative history. RECORD_REPLAY=1 saves the ones not in
 * test/replay yet (recorded histories of older code are what prove a change safe, so they are
 * kept); RECORD_REPLAY=all re-records every one.
 */
export function keepHistory(name: string, workflowId: string): void {
  kept.push({ name, workflowId });
}

export async function saveKeptHistories(stack: Stack): Promise<void> {
  if (!process.env.RECORD_REPLAY) return;
  mkdirSync(REPLAY_DIR, { recursive: true });
  for (const { name, workflowId } of kept) {
    if (process.env.RECORD_REPLAY !== 'all' && existsSync(path.join(REPLAY_DIR, `${name}.json`))) continue;
    // The CLI writes the same proto3 JSON that `historyFromJSON` reads.
    const json = execFileSync(
      temporalCli(),
      ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', stack.env.address],
      { encoding: 'utf8' },
    );
    writeFileSync(path.join(REPLAY_DIR, `${name}.json`), json);
  }
}
