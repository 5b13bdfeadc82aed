// Prebuilds the workflow bundle the production worker loads (`workflowBundle: { codePath }`), so
// a worker starts without webpack and every replica runs byte-identical workflow code.
// Usage: tsx scripts/build-workflow-bundle.ts [out-file]   (default dist/workflow-bundle.js)
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = path.resolve(__dirname, '..');

export async function buildWorkflowBundle(
  outFile = path.join(root, 'dist/workflow-bundle.js'),
): Promise<{ path: string; bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'src/workflows'),
    logger: { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} },
  });
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, code);
  return { path: outFile, bytes: Buffer.byteLength(code) };
}

if (require.main === module) {
  const [out] = parseArgs({ allowPositionals: true }).positionals;
  buildWorkflowBundle(out ? path.resolve(out) : undefined).then(
    ({ path: out, bytes }) =>
      console.log(`workflow bundle: ${path.relative(process.cwd(), out)} (${bytes} bytes)`),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
