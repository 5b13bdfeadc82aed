// What test/support/global-setup.ts built for this run: the workflow bundle, and the embedded
// database's migrated template.
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The workflow bundle built once for this run (scripts/build-workflow-bundle.ts). */
    workflowBundlePath: string;
    /** A migrated empty embedded database (absent on PostgreSQL runs). */
    embeddedTemplatePath?: string;
  }
}

/** Its path: WORKFLOW_BUNDLE_PATH for a spawned worker, `{ codePath }` for Worker.create. */
export function workflowBundlePath(): string {
  const bundlePath = inject('workflowBundlePath');
  if (!bundlePath)
    throw new Error('no workflow bundle: vitest.config.mts must list test/support/global-setup.ts');
  return bundlePath;
}

/** The embedded database template's path, if this run has one. */
export function embeddedTemplatePath(): string | undefined {
  return inject('embeddedTemplatePath');
}
