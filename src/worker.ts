// The worker: runs fulfillOrder and its activities. createWorker is separate from main so
// tests build one with their own dependencies.
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { PayloadCodec } from '@temporalio/common';
import { createActivities, type ActivityDeps } from './activities';

export interface WorkerDeps extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Production: a bundle prebuilt at image build time. Development: bundled from source. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Encrypts every payload the worker sends to Temporal (src/temporal/codec.ts). */
  payloadCodec?: PayloadCodec;
  /** Rate limits and shutdown grace from config (see worker-main.ts). */
  tuning?: Pick<
    WorkerOptions,
    'maxActivitiesPerSecond' | 'maxTaskQueueActivitiesPerSecond' | 'shutdownGraceTime' | 'maxCachedWorkflows'
  >;
}

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: path.join(__dirname, 'workflows') }),
    activities: createActivities(deps),
    ...(deps.payloadCodec ? { dataConverter: { payloadCodecs: [deps.payloadCodec] } } : {}),
    ...deps.tuning,
  });
}
