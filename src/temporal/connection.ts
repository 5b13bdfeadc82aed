// Connection options for a local dev server, a self-hosted cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import type { PayloadCodec } from '@temporalio/common';

export async function connectClient(config: Config, codec?: PayloadCodec): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: codec ? { payloadCodecs: [codec] } : undefined,
  });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}
