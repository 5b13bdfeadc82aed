// Unit: keepAlive heartbeats only for an activity scheduled with a heartbeat timeout, only while
// its work runs, and never for a call quicker than a third of that timeout.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { keepAlive, keptAlive } from '../src/activities/keep-alive';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function heartbeatsOf(env: MockActivityEnvironment): { count: () => number } {
  let n = 0;
  env.on('heartbeat', () => n++);
  return { count: () => n };
}

describe('keepAlive', () => {
  it('heartbeats every third of the heartbeat timeout while a slow call runs, then stops', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
    const beats = heartbeatsOf(env);
    const result = await env.run(() => keepAlive(() => sleep(450).then(() => 'sent')));
    expect(result).toBe('sent');
    expect(beats.count()).toBeGreaterThanOrEqual(3);
    expect(beats.count()).toBeLessThanOrEqual(5);
    const after = beats.count();
    await sleep(300);
    expect(beats.count()).toBe(after);
  });

  it('sends none for a quick call, or without a heartbeat timeout, or outside an activity', async () => {
    const quick = new MockActivityEnvironment({ heartbeatTimeoutMs: 3_000 });
    const quickBeats = heartbeatsOf(quick);
    await quick.run(() => keepAlive(() => sleep(50)));
    expect(quickBeats.count()).toBe(0);

    const none = new MockActivityEnvironment({ heartbeatTimeoutMs: undefined });
    const noneBeats = heartbeatsOf(none);
    await none.run(() => keepAlive(() => sleep(200)));
    expect(noneBeats.count()).toBe(0);

    await expect(keepAlive(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('passes a failure through and stops heartbeating', async () => {
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 150 });
    const beats = heartbeatsOf(env);
    await expect(
      env.run(() => keepAlive(() => sleep(120).then(() => Promise.reject(new Error('smtp down'))))),
    ).rejects.toThrow('smtp down');
    const after = beats.count();
    await sleep(200);
    expect(beats.count()).toBe(after);
  });

  it('keptAlive wraps every activity of an object, arguments and results unchanged', async () => {
    const acts = keptAlive({
      async add(a: number, b: number) {
        await sleep(250);
        return a + b;
      },
    });
    const env = new MockActivityEnvironment({ heartbeatTimeoutMs: 300 });
    const beats = heartbeatsOf(env);
    expect(await env.run(acts.add, 2, 3)).toBe(5);
    expect(beats.count()).toBeGreaterThanOrEqual(2);
  });
});
