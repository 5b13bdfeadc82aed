// One path per operation, whoever asks: a review decision from `npm run ops -- decide` and from
// the admin exceptions page both go through decideReview (same checks, same refusal words, same
// record in the workflow and the database), and a resend from `ops notify`, `npm run
// notify:resend` and the admin order page all go through resendNotice (same notifications row
// shape, who asked, and a notice.resent event naming that row). Real stack, real CLI.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/ops/cli';
import { statusQuery } from '../src/shared/contract';
import { newOrderId, placeOrder, rejectedDecision, result, waitForState } from './support/orders';
import { ROOT, startStack, type Stack } from './support/stack';

const run = promisify(execFile);
const ADMIN = 'Ada Ops';
const ADMIN_BY = `${ADMIN} (self-declared; shared admin token)`;

let stack: Stack;
let env: Record<string, string>;
let cookie = '';
let dir = '';
const saved = { ...process.env };
const wf: Record<string, string> = {};

async function ops(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void stdout.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void stderr.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

async function csrf(): Promise<string> {
  const html = await (await fetch(`${stack.apiUrl}/admin`, { headers: { Cookie: cookie } })).text();
  return /name="csrf" value="([^"]+)"/.exec(html)![1]!;
}

async function adminPost(url: string, form: Record<string, string>) {
  const res = await fetch(`${stack.apiUrl}${url}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: cookie },
    body: new URLSearchParams({ ...form, csrf: await csrf() }).toString(),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location') ?? '', html: await res.text() };
}

const alert = (html: string) =>
  (/role="alert"[^>]*>([\s\S]*?)</.exec(html)?.[1] ?? '')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .trim();

async function pendingOrder() {
  const id = newOrderId();
  stack.sandbox.on(`_${id}_`, { outcome: 'pending' });
  return (await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }], {}, id)).workflowId;
}

beforeAll(async () => {
  stack = await startStack();
  env = {
    NODE_ENV: 'test',
    ENV_FILE: '',
    LOG_LEVEL: 'silent',
    DATABASE_URL: stack.database.url,
    TEMPORAL_ADDRESS: stack.env.address,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    SUPPLIER_BASE_URL: stack.sandboxUrl,
    SUPPLIER_API_KEY: 'test-supplier-key',
    SUPPLIER_WEBHOOK_SECRETS: 'test-supplier-webhook-secret',
  };
  Object.assign(process.env, env);
  dir = mkdtempSync(path.join(tmpdir(), 'cb-ops-paths-'));
  for (const name of ['cli', 'admin', 'reject']) wf[name] = await pendingOrder();
  wf.delivered = (await placeOrder(stack, [{ sku: 'PSN-US-10', quantity: 1, total: '10.99' }])).workflowId;
  await Promise.all(['cli', 'admin', 'reject'].map((n) => waitForState(stack, wf[n]!, 'in_review', 60_000)));
  await waitForState(stack, wf.delivered, 'delivered');

  const login = await fetch(`${stack.apiUrl}/admin/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ name: ADMIN, token: 'dev-admin-token' }).toString(),
    redirect: 'manual',
  });
  expect(login.status).toBe(303);
  cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}, 240_000);

afterAll(async () => {
  process.env = saved;
  if (dir) rmSync(dir, { recursive: true, force: true });
  await stack?.stop();
});

describe('a review decision', () => {
  it('is checked, sent and recorded the same from the CLI and from the admin page', async () => {
    const cli = await ops([
      'decide',
      wf.cli!,
      '--action',
      'cancel',
      '--by',
      'alice@support',
      '--note',
      'same path',
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout)).toMatchObject({ accepted: true, state: 'cancelled' });
    const page = await adminPost(`/admin/orders/${encodeURIComponent(wf.admin!)}/decision`, {
      action: 'cancel',
      note: 'same path',
    });
    expect(page.status, page.html).toBe(303);
    expect(page.location).toContain('state=cancelled');

    const [viaCli, viaPage] = await Promise.all([result(stack, wf.cli!), result(stack, wf.admin!)]);
    // The workflow's own record of each decision: the same fields, each with who decided.
    expect(viaCli.decisions).toEqual([
      expect.objectContaining({ action: 'cancel', by: 'alice@support', note: 'same path' }),
    ]);
    expect(viaPage.decisions).toEqual([
      expect.objectContaining({ action: 'cancel', by: ADMIN_BY, note: 'same path' }),
    ]);
    expect(Object.keys(viaCli.decisions[0]!).sort()).toEqual(Object.keys(viaPage.decisions[0]!).sort());
    // ... and the database's: the review case decided by that person, the same events in order.
    const cases = await stack.db.reviewCase.findMany({ where: { workflowId: { in: [wf.cli!, wf.admin!] } } });
    expect(cases.map((c) => [c.workflowId, c.status, c.decision, c.decidedBy]).sort()).toEqual(
      [
        [wf.cli, 'decided', 'cancel', 'alice@support'],
        [wf.admin, 'decided', 'cancel', ADMIN_BY],
      ].sort(),
    );
    const events = async (workflowId: string) =>
      (
        await stack.db.fulfillmentEvent.findMany({ where: { order: { workflowId } }, orderBy: { id: 'asc' } })
      ).map((e) => `${e.type}:${e.status}`);
    expect(await events(wf.cli!)).toEqual(await events(wf.admin!));
  });

  it("is refused in the workflow validator's words on both", async () => {
    const codes = path.join(dir, 'codes.json');
    writeFileSync(codes, JSON.stringify([{ lineNo: 1, codes: [{ code: 'AAAA-1' }, { code: 'BBBB-2' }] }]));
    const cli = await ops([
      'decide',
      wf.reject!,
      '--action',
      'markDelivered',
      '--by',
      'bob',
      '--codes-file',
      codes,
    ]);
    expect(cli.code).toBe(1);
    const page = await adminPost(`/admin/orders/${encodeURIComponent(wf.reject!)}/decision`, {
      action: 'markDelivered',
      codes: 'AAAA-1\nBBBB-2',
    });
    expect(page.status).toBe(422);
    const why = 'Line 1 needs exactly 1 code(s) to be marked delivered, got 2.';
    expect(cli.stderr).toBe(`error: decision rejected: ${why}`);
    expect(alert(page.html)).toBe(`The workflow refused the decision: ${why}`);

    // A decision without "by" never reaches the workflow, and says what the validator would.
    const noBy = await ops(['decide', wf.reject!, '--action', 'retry', '--by', ' ']);
    expect(noBy.code).toBe(2);
    const validator = await rejectedDecision(stack, wf.reject!, { action: 'retry', by: ' ' });
    expect(noBy.stderr.split('\n')[0]).toBe(validator);
    const status = await stack.env.client.workflow.getHandle(wf.reject!).query(statusQuery);
    expect(status).toMatchObject({ state: 'in_review', decisions: [] });
  });
});

describe('a resend', () => {
  it('records the same things from ops notify, npm run notify:resend and the order page', async () => {
    const cli = await ops([
      'notify',
      wf.delivered!,
      '--template',
      'delivered',
      '--by',
      'alice@support',
      '--json',
    ]);
    expect(cli.code, cli.stderr).toBe(0);
    const [, store, order] = wf.delivered!.split(':');
    const script = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/resend.ts', store!, order!, '--by', 'bea@support'],
      {
        cwd: ROOT,
        env: { ...process.env, ...env },
      },
    );
    expect(script.stdout).toContain('"delivered" notice sent again');
    const page = await adminPost(`/admin/orders/${encodeURIComponent(wf.delivered!)}/resend`, {});
    expect(page.status, page.html).toBe(303);
    expect(page.location).toContain('resent=1');

    const rows = await stack.db.notification.findMany({
      where: { order: { workflowId: wf.delivered }, requestedBy: { not: null } },
      orderBy: { id: 'asc' },
    });
    expect(rows.map((r) => r.requestedBy)).toEqual(['alice@support', 'bea@support', ADMIN_BY]);
    for (const r of rows) {
      expect(r).toMatchObject({ channel: 'email', template: 'delivered', status: rows[0]!.status });
      expect(r.dedupeKey).toMatch(new RegExp(`^${wf.delivered}/delivered/resend/\\d{4}-`));
    }
    expect(JSON.parse(cli.stdout)).toMatchObject({ dedupeKey: rows[0]!.dedupeKey, by: 'alice@support' });
    const events = await stack.db.fulfillmentEvent.findMany({
      where: { order: { workflowId: wf.delivered }, type: 'notice.resent' },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => [e.status, e.details])).toEqual(
      rows.map((r) => [
        r.status,
        { template: 'delivered', requestedBy: r.requestedBy, notification: r.dedupeKey },
      ]),
    );
  });

  it('is refused the same way when there is nothing to resend', async () => {
    const cli = await ops(['notify', wf.reject!, '--template', 'delivered', '--by', 'alice@support']);
    expect(cli.code).toBe(1);
    const page = await adminPost(`/admin/orders/${encodeURIComponent(wf.reject!)}/resend`, {});
    expect(page.status).toBe(422);
    const [, , order] = wf.reject!.split(':');
    const why = `order ${order} has no delivered codes to resend`;
    expect(cli.stderr).toBe(`error: ${why}`);
    expect(alert(page.html)).toBe(why);
  });
});
