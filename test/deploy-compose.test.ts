// docker-compose.yml, checked statically (no Docker engine here): `docker-compose config` must
// accept it, and what it gives the api and worker must satisfy src/config.ts in production.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKER_NODE_ENV, WORKER_NODE_FLAGS } from '../src/worker-node';
import { loadConfig } from '../src/config';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../src/shared/contract';

const ROOT = path.resolve(__dirname, '..');
const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
if (!hasCompose) {
  console.warn(
    'SKIPPED deploy-compose: the docker-compose binary is absent (apt-get install -y docker-compose; .ci/run does)',
  );
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  container_name?: string;
  environment?: Record<string, string>;
  /** docker-compose 1.29 prints `host_ip:published:target/tcp` strings or long-form objects. */
  ports?: (string | { published?: number | string; target: number; host_ip?: string })[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

/** `docker-compose -f docker-compose.yml config` in a copy of the project whose .env is the example. */
function composeConfig(env: string): { services: Record<string, Service> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-compose-'));
  try {
    copyFileSync(path.join(ROOT, 'docker-compose.yml'), path.join(dir, 'docker-compose.yml'));
    writeFileSync(path.join(dir, '.env'), env);
    const res = spawnSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (res.status !== 0) throw new Error(`docker-compose config failed: ${res.stderr}`);
    const json = execFileSync(
      'python3',
      ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
      { input: res.stdout, encoding: 'utf8' },
    );
    return JSON.parse(json) as { services: Record<string, Service> };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const example = readFileSync(path.join(ROOT, '.env.production.example'), 'utf8');

describe.skipIf(!hasCompose)('docker-compose.yml', () => {
  let services: Record<string, Service>;
  beforeAll(() => {
    services = composeConfig(example).services;
  });

  it('has the whole production-like stack', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'api',
        'db',
        'migrate',
        'temporal',
        'temporal-db',
        'temporal-schema',
        'temporal-setup',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'temporal-db' });
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-ui']!.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:8080:8080/)]);
    expect(services.temporal!.ports).toEqual([expect.stringMatching(/^127\.0\.0\.1:7233:7233/)]);
    expect(services.db!.image).toMatch(/^postgres:/);
  });

  it('gives every long-running service a health check', () => {
    const oneShot = ['temporal-schema', 'temporal-setup', 'migrate'];
    for (const [name, svc] of Object.entries(services)) {
      if (oneShot.includes(name)) continue;
      expect(svc.healthcheck?.test?.length, `${name} has a healthcheck`).toBeGreaterThan(1);
    }
  });

  it('starts the app only after migrations and the namespace/search attributes are in place', () => {
    for (const name of ['api', 'worker']) {
      expect(services[name]!.depends_on).toEqual({
        migrate: { condition: 'service_completed_successfully' },
        'temporal-setup': { condition: 'service_completed_successfully' },
      });
    }
    expect(services.migrate!.depends_on).toEqual({ db: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({
      'temporal-schema': { condition: 'service_completed_successfully' },
    });
  });

  it('registers exactly the search attributes of the contract', () => {
    // setup-namespace.sh reads search-attributes.txt next to it, in the mounted deploy/temporal.
    expect(services['temporal-setup']!.command).toEqual(['/deploy/setup-namespace.sh']);
    const registered = readFileSync(path.join(ROOT, 'deploy/temporal/search-attributes.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(registered.sort()).toEqual([...SEARCH_ATTRIBUTE_REGISTRATIONS].sort());
    expect(services['temporal-setup']!.environment!.TEMPORAL_NAMESPACE).toBe(
      services.worker!.environment!.TEMPORAL_NAMESPACE,
    );
  });

  it('runs api, worker and migrations from one image, with commands that exist in dist', () => {
    const images = new Set(['api', 'worker', 'migrate'].map((n) => services[n]!.image));
    expect(images.size).toBe(1);
    const entry = (n: string) => services[n]!.command!.join(' ');
    expect(entry('api')).toBe('node dist/api/main.js');
    expect(services.worker!.command).toEqual(['node', ...WORKER_NODE_FLAGS, 'dist/worker-main.js']);
    expect(services.worker!.environment).toMatchObject(WORKER_NODE_ENV);
    // `npm run worker` runs it the same way.
    const scripts = (
      JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.worker).toBe(
      `MALLOC_ARENA_MAX=${WORKER_NODE_ENV.MALLOC_ARENA_MAX} node ${WORKER_NODE_FLAGS.join(' ')} --import tsx src/worker-main.ts`,
    );
    expect(entry('migrate')).toBe('node dist/db/migrate-main.js');
    for (const n of ['api', 'worker', 'migrate']) {
      const src = services[n]!.command!.at(-1)!
        .replace(/^dist\//, 'src/')
        .replace(/\.js$/, '.ts');
      expect(existsSync(path.join(ROOT, src)), src).toBe(true);
    }
  });

  it('api and worker get an environment that src/config.ts accepts in production', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const config = loadConfig(services[name]!.environment!);
      expect(config.env).toBe('production');
      expect(new URL(config.database.url!).hostname).toBe('db');
      expect(config.temporal.address).toBe('temporal:7233');
      expect(config.temporal.tls).toBeUndefined();
    }
    const api = loadConfig(services.api!.environment!);
    expect(services.api!.ports).toEqual([expect.objectContaining({ target: api.api.port })]);
    expect(services.api!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${api.api.port}/readyz`);
    expect(api.api.shutdownDelayMs).toBeGreaterThan(0);
  });

  it('lets the worker scale: no container name, no host ports, prebuilt bundle, health port', () => {
    const worker = services.worker!;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    const config = loadConfig(worker.environment!);
    expect(config.worker.workflowBundlePath).toBe('/app/dist/workflow-bundle.js');
    expect(config.worker.healthPort).toBeGreaterThan(0);
    expect(worker.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${config.worker.healthPort}/healthz`);
    // Long enough for in-flight activities to finish after SIGTERM.
    expect(parseInt(worker.stop_grace_period!, 10)).toBeGreaterThan(config.worker.shutdownGraceMs / 1000);
  });

  it('keeps secrets in .env: none inline in the compose file, and a missing one stops `config`', () => {
    const compose = readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
    expect(compose).not.toMatch(/REPLACE-ME/);
    expect(compose).toMatch(/env_file: \.env/);
    expect(() => composeConfig(example.replace(/^APP_DB_PASSWORD=.*$/m, ''))).toThrow(
      /set APP_DB_PASSWORD in \.env/,
    );
    // Publicly exposed: only the API. Temporal's gRPC and UI stay on loopback.
    for (const [name, svc] of Object.entries(services)) {
      for (const p of svc.ports ?? []) {
        const hostIp = typeof p === 'string' ? p.split(':')[0] : p.host_ip;
        if (name !== 'api') expect(hostIp, name).toBe('127.0.0.1');
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs from a small, non-root one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const [build, runtime] = [stages[0]!, stages.at(-1)!];
    expect(build).toMatch(/npm ci/);
    expect(build).toMatch(/scripts\/prisma-generate\.sh/);
    expect(build).toMatch(/tsc -p tsconfig\.build\.json/);
    expect(build).toMatch(/scripts\/build-workflow-bundle\.ts dist\/workflow-bundle\.js/);
    expect(build).toMatch(/npm prune --omit=dev/);
    expect(runtime).toMatch(/-slim/);
    expect(runtime).toMatch(/^USER (?!root)\w+/m);
    expect(runtime).toMatch(/ENV NODE_ENV=production/);
    expect(runtime).toMatch(/prisma\/migrations/);
    expect(runtime).not.toMatch(/npm (ci|install)/);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n');
    for (const p of ['.env', 'node_modules', '.data', '.tools', 'dist']) expect(ignore).toContain(p);
  });
});
