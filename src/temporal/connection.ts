// Connection options for a local dev server, a self-hosted cluster or Temporal Cloud.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Config } from '../config';
import type { PayloadCodec } from '@temporalio/common';
import { createPayloadCodec } from './codec';

/** Address, TLS (mTLS when a client pair is configured) and API key, the same for client and worker. */
export function temporalConnectionOptions(config: Config) {
  const { address, tls, apiKey } = config.temporal;
  return { address, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

/** Payloads are always encrypted (src/temporal/codec.ts); `codec` overrides the configured one. */
export async function connectClient(config: Config, codec?: PayloadCodec): Promise<Client> {
  const connection = await Connection.connect({
    ...temporalConnectionOptions(config),
    // Reconnect soon after the server comes back (gRPC's default backoff grows to minutes, so
    // readiness and webhooks would lag its return by ~20 s).
    channelArgs: {
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 1_000,
    },
  });
  return new Client({
    connection,
    namespace: config.temporal.namespace,
    dataConverter: { payloadCodecs: [codec ?? createPayloadCodec(config)] },
  });
}

export async function connectWorker(config: Config): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}
