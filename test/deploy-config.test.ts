// Temporal connection settings for a remote cluster / Temporal Cloud, and the worker and API
// settings production adds: validated by src/config.ts with one clear sentence per problem.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { temporalConnectionOptions } from '../src/temporal/connection';

const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIIBfake\n-----END PRIVATE KEY-----\n';
const dir = mkdtempSync(path.join(tmpdir(), 'cb-tls-'));
const certFile = path.join(dir, 'client.pem');
const keyFile = path.join(dir, 'client.key');
writeFileSync(certFile, CERT);
writeFileSync(keyFile, KEY);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('Temporal connection settings', () => {
  it('defaults to plaintext on the local dev server', () => {
    const c = loadConfig({});
    expect(c.temporal).toMatchObject({ address: '127.0.0.1:7233', namespace: 'default', tls: undefined });
    expect(temporalConnectionOptions(c)).toEqual({ address: '127.0.0.1:7233' });
  });

  it('reads a client certificate pair from files (mTLS), with CA and server name', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'cardbridge',
      TEMPORAL_TLS_CERT: certFile,
      TEMPORAL_TLS_KEY: keyFile,
      TEMPORAL_TLS_CA: certFile,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.example.com',
    });
    const opts = temporalConnectionOptions(c);
    expect(opts.address).toBe('temporal.internal:7233');
    expect(opts.tls).toMatchObject({ serverNameOverride: 'temporal.example.com' });
    expect(opts.tls?.clientCertPair?.crt.toString()).toBe(CERT);
    expect(opts.tls?.clientCertPair?.key.toString()).toBe(KEY);
    expect(opts.tls?.serverRootCACertificate?.toString()).toBe(CERT);
    expect(opts).not.toHaveProperty('apiKey');
  });

  it('accepts inline PEM, also with \\n escapes as env files and secret stores give it', () => {
    const c = loadConfig({
      TEMPORAL_TLS_CERT: CERT.replace(/\n/g, '\\n'),
      TEMPORAL_TLS_KEY: KEY,
    });
    expect(c.temporal.tls?.clientCertPair?.crt.toString()).toBe(CERT);
    expect(c.temporal.tls?.clientCertPair?.key.toString()).toBe(KEY);
  });

  it('Temporal Cloud: an API key implies TLS with the system CAs', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
      TEMPORAL_NAMESPACE: 'cardbridge.a1b2c',
      TEMPORAL_API_KEY: 'cloud-api-key',
    });
    expect(temporalConnectionOptions(c)).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: { clientCertPair: undefined, serverRootCACertificate: undefined, serverNameOverride: undefined },
      apiKey: 'cloud-api-key',
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toBeDefined();
  });

  it('a certificate without its key (or the reverse) is a clear error', () => {
    expect(problems({ TEMPORAL_TLS_CERT: certFile })).toMatch(
      /TEMPORAL_TLS_KEY is required when TEMPORAL_TLS_CERT is set/,
    );
    expect(problems({ TEMPORAL_TLS_KEY: keyFile })).toMatch(
      /TEMPORAL_TLS_CERT is required when TEMPORAL_TLS_KEY is set/,
    );
  });

  it('a missing file, a file without PEM, or a key where a certificate belongs are errors', () => {
    expect(problems({ TEMPORAL_TLS_CA: '/nonexistent/ca.pem' })).toMatch(
      /TEMPORAL_TLS_CA is neither PEM text nor the path of an existing file/,
    );
    const junk = path.join(dir, 'junk.pem');
    writeFileSync(junk, 'not a pem');
    expect(problems({ TEMPORAL_TLS_CERT: junk, TEMPORAL_TLS_KEY: keyFile })).toMatch(
      /TEMPORAL_TLS_CERT does not contain a PEM certificate/,
    );
    expect(problems({ TEMPORAL_TLS_CERT: keyFile, TEMPORAL_TLS_KEY: certFile })).toMatch(
      /TEMPORAL_TLS_CERT does not contain a PEM certificate[\s\S]*TEMPORAL_TLS_KEY does not contain a PEM private key/,
    );
  });

  it('TEMPORAL_TLS=false contradicting an API key is an error; bad flags too', () => {
    expect(problems({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' })).toMatch(/TEMPORAL_TLS is false/);
    expect(problems({ TEMPORAL_TLS: 'yes' })).toMatch(/TEMPORAL_TLS/);
  });

  it('never puts key material in the error text', () => {
    expect(problems({ TEMPORAL_TLS_KEY: KEY })).not.toContain('MIIBfake');
    // A key pasted without its PEM header is not echoed back either.
    expect(problems({ TEMPORAL_TLS_CERT: CERT, TEMPORAL_TLS_KEY: 'MIIBsecretbase64' })).not.toContain(
      'MIIBsecret',
    );
  });
});

describe('worker and API production settings', () => {
  it('worker: bundle path, health port, rate limits, shutdown grace', () => {
    const c = loadConfig({
      WORKFLOW_BUNDLE_PATH: '/app/dist/workflow-bundle.js',
      WORKER_HEALTH_PORT: '8081',
      WORKER_MAX_ACTIVITIES_PER_SECOND: '0.9',
      WORKER_MAX_TASK_QUEUE_ACTIVITIES_PER_SECOND: '33',
      WORKER_SHUTDOWN_GRACE: '45s',
      WORKER_MAX_CACHED_WORKFLOWS: '200',
    });
    expect(c.worker).toEqual({
      workflowBundlePath: '/app/dist/workflow-bundle.js',
      healthPort: 8081,
      maxActivitiesPerSecond: 0.9,
      maxTaskQueueActivitiesPerSecond: 33,
      shutdownGraceMs: 45_000,
      maxCachedWorkflows: 200,
    });
    expect(loadConfig({}).worker.maxCachedWorkflows).toBe(250);
    expect(problems({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toMatch(/WORKER_MAX_CACHED_WORKFLOWS/);
    expect(loadConfig({}).worker).toMatchObject({ healthPort: 0, maxActivitiesPerSecond: undefined });
    expect(problems({ WORKER_MAX_ACTIVITIES_PER_SECOND: '0' })).toMatch(/WORKER_MAX_ACTIVITIES_PER_SECOND/);
    expect(problems({ WORKER_SHUTDOWN_GRACE: 'soon' })).toMatch(/WORKER_SHUTDOWN_GRACE must be a duration/);
  });

  it('API drain: no delay in development, 5s in production unless set', () => {
    expect(loadConfig({}).api.shutdownDelayMs).toBe(0);
    expect(loadConfig({ API_SHUTDOWN_DELAY: '2s' }).api.shutdownDelayMs).toBe(2_000);
    expect(problems({ API_SHUTDOWN_DELAY: 'later' })).toMatch(/API_SHUTDOWN_DELAY must be a duration/);
  });
});
