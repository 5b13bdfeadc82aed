/**
 * How the worker's node runs wherever it is started (npm start, `npm run worker`, the image's
 * worker command in docker-compose.yml, the benchmark and the chaos stack; src/worker-main.ts
 * warns when started without them): both V8 heaps capped (V8 flags apply to the main thread and
 * to the SDK's workflow thread alike) and two malloc arenas. Without them V8 lets each heap grow
 * towards a quarter of the machine's memory before it collects, and glibc keeps an arena per
 * thread: a worker with 1,000 parked orders held 690 MiB, with them 370 MiB, draining 12 % slower
 * (BENCHMARKS.md, P4). 128 MiB of old space holds the main thread's activities and the workflow
 * thread's cached workflows (WORKER_MAX_CACHED_WORKFLOWS, 250).
 */
export const WORKER_NODE_FLAGS = ['--max-old-space-size=128', '--max-semi-space-size=4'];
export const WORKER_NODE_ENV = { MALLOC_ARENA_MAX: '2' };
