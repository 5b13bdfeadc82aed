// One source for the Temporal server of the production topology: docker-compose.yml and the
// host toolkit (scripts/lib/temporal.ts, scripts/temporal-server.sh, the production-topology test
// and the benchmark) run the same deploy/temporal files: server config template, dynamic config,
// schema and namespace scripts, search-attribute list, and the same server version. Parsed from
// both sides, so moving one without the other fails here.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { productionServerArgs, productionServerEnv } from '../scripts/lib/temporal';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../src/shared/contract';

const ROOT = path.resolve(__dirname, '..');
const DEPLOY = path.join(ROOT, 'deploy/temporal');

interface Service {
  image: string;
  environment?: Record<string, string>;
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
}
/** docker-compose.yml as written (no interpolation), parsed with PyYAML. */
const compose = JSON.parse(
  execFileSync(
    'python3',
    ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)'],
    { input: readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8'), encoding: 'utf8' },
  ),
) as { services: Record<string, Service> };
const svc = (name: string) => compose.services[name]!;

/** Where a service mounts deploy/temporal. */
function deployMount(name: string): string {
  const m = (svc(name).volumes ?? []).find((v) => v.startsWith('./deploy/temporal:'));
  expect(m, `${name} mounts ./deploy/temporal`).toBeDefined();
  return m!.split(':')[1]!;
}

/** `--flag value` of an argument list. */
const flag = (args: string[], name: string) => args[args.indexOf(name) + 1];

const hostEnv = productionServerEnv('/opt/temporal', {
  postgresUrl: 'postgresql://u:p@db.example:5433/x',
  dbPrefix: 'temporal_prod',
  ports: { frontend: 7233, others: [7243, 6933, 7234, 6934, 7235, 6935, 7239, 6939] },
});

describe('deploy/temporal: one source for compose and the built server', () => {
  it('the server runs the same config directory and environment name on both sides', () => {
    const mount = deployMount('temporal');
    const composeArgs = svc('temporal').entrypoint!.join(' ').split(/\s+/);
    const hostArgs = productionServerArgs();
    // compose: --root <mount> --config config; host: --root <repo> --config deploy/temporal/config.
    const composeDir = path.posix.join(flag(composeArgs, '--root')!, flag(composeArgs, '--config')!);
    const hostDir = path.join(flag(hostArgs, '--root')!, flag(hostArgs, '--config')!);
    expect(path.posix.relative(mount, composeDir)).toBe('config');
    expect(path.relative(DEPLOY, hostDir)).toBe('config');
    expect(flag(composeArgs, '--env')).toBe(flag(hostArgs, '--env'));
    expect(existsSync(path.join(hostDir, `${flag(hostArgs, '--env')}.yaml`))).toBe(true);
    expect(composeArgs).toContain('start');
  });

  it('the dynamic config is the same file', () => {
    const mount = deployMount('temporal');
    const composePath = svc('temporal').environment!.DYNAMIC_CONFIG_FILE_PATH!;
    expect(path.posix.relative(mount, composePath)).toBe(
      path.relative(DEPLOY, hostEnv.DYNAMIC_CONFIG_FILE_PATH!),
    );
    expect(existsSync(hostEnv.DYNAMIC_CONFIG_FILE_PATH!)).toBe(true);
    expect(readFileSync(hostEnv.DYNAMIC_CONFIG_FILE_PATH!, 'utf8')).toMatch(
      /frontend\.enableExecuteMultiOperation/,
    );
  });

  it('every variable the config template reads is set by both sides or has a default', () => {
    const template = readFileSync(path.join(DEPLOY, 'config/production.yaml'), 'utf8');
    expect(template.split('\n')[0]).toMatch(/enable-template/);
    const reads = [...template.matchAll(/\{\{\s*env "(\w+)"([^}]*)\}\}/g)];
    expect(reads.length).toBeGreaterThan(10);
    const required = [...new Set(reads.filter((m) => !/default/.test(m[2]!)).map((m) => m[1]!))];
    expect(required.sort()).toEqual(['POSTGRES_PWD', 'POSTGRES_SEEDS', 'POSTGRES_USER']);
    const composeEnv = svc('temporal').environment!;
    for (const v of required) {
      expect(composeEnv[v], `compose sets ${v}`).toBeTruthy();
      expect(hostEnv[v], `the host toolkit sets ${v}`).toBeTruthy();
    }
    // The host sets every port (tests run several servers side by side); compose keeps the defaults.
    for (const m of reads.filter((r) => r[1]!.endsWith('_PORT') && r[1] !== 'DB_PORT'))
      expect(hostEnv[m[1]!], `host sets ${m[1]}`).toMatch(/^\d+$/);
  });

  it('schema and namespace set-up are the same scripts, and the search attributes are the contract', () => {
    for (const [service, script] of [
      ['temporal-schema', 'setup-schema.sh'],
      ['temporal-setup', 'setup-namespace.sh'],
    ] as const) {
      expect(svc(service).command).toEqual([path.posix.join(deployMount(service), script)]);
      expect(readFileSync(path.join(ROOT, 'scripts/lib/temporal.ts'), 'utf8')).toContain(
        `deploy/temporal/${script}`,
      );
    }
    const listed = readFileSync(path.join(DEPLOY, 'search-attributes.txt'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() && !l.startsWith('#'));
    expect(listed).toEqual([...SEARCH_ATTRIBUTE_REGISTRATIONS]);
  });

  it('compose runs the server version the install script builds', () => {
    const script = readFileSync(path.join(ROOT, 'scripts/install-temporal-server.sh'), 'utf8');
    const built = /^VERSION=v(\S+)$/m.exec(script)![1]!;
    expect(svc('temporal').image).toBe(`temporalio/server:\${TEMPORAL_VERSION:-${built}}`);
    expect(svc('temporal-schema').image).toBe(
      `temporalio/admin-tools:\${TEMPORAL_ADMINTOOLS_VERSION:-${built}}`,
    );
    // ... and the server the dev server of `npm start` embeds (CLI v1.5.1 = server 1.29.1).
    expect(readFileSync(path.join(ROOT, 'scripts/install-temporal.sh'), 'utf8')).toMatch(
      /^VERSION=v1\.5\.1$/m,
    );
    expect(built).toBe('1.29.1');
  });
});
