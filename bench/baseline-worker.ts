// The baseline worker for P1: no database, no supplier; each activity returns at once.
import { NativeConnection, Worker } from '@temporalio/worker';

export const baselineActivities = {
  async check(id: string): Promise<boolean> {
    return id.length > 0;
  },
  async order(id: string): Promise<string> {
    return `ref-${id}`;
  },
  async deliver(ref: string): Promise<string> {
    return `delivered-${ref}`;
  },
};
export type BaselineActivities = typeof baselineActivities;

async function main() {
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    taskQueue: process.env.BASELINE_TASK_QUEUE ?? 'bench-baseline',
    workflowsPath: require.resolve('./baseline-workflows'),
    activities: baselineActivities,
  });
  process.once('SIGTERM', () => worker.shutdown());
  console.log('READY');
  await worker.run();
  await connection.close();
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
