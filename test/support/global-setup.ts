// Runs once per `vitest run`, before any test file, so that work is done once instead of once
// per file, from the current source (every test still runs the code under test):
// - the workflow bundle every worker of the run loads (in-process stacks, the workflow harness,
//   replay, and the worker processes tests spawn);
// - on the embedded database, a migrated empty database each test file's database is copied from.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWorkflowBundle } from '../../scripts/build-workflow-bundle';
import { writeEmbeddedTemplate } from '../../scripts/lib/database';

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cardbridge-test-run-'));
  const { path: bundlePath } = await buildWorkflowBundle(path.join(dir, 'workflow-bundle.js'));
  project.provide('workflowBundlePath', bundlePath);
  if (!process.env.TEST_DATABASE_URL) {
    const template = path.join(dir, 'embedded-template.tar');
    await writeEmbeddedTemplate(template);
    project.provide('embeddedTemplatePath', template);
  }
  return () => rmSync(dir, { recursive: true, force: true });
}
