// Runs once per `vitest run`, before any test file: builds the workflow bundle every worker of
// the run loads (in-process stacks, the workflow harness, replay, and the worker processes tests
// spawn), so webpack runs once instead of once per file. It is built from the current source, so
// every test still runs the code under test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cardbridge-test-bundle-'));
  const { path: bundlePath } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  project.provide('workflowBundlePath', bundlePath);
  return () => rmSync(dir, { recursive: true, force: true });
}
