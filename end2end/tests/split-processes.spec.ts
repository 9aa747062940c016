import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { expect, test } from './fixtures';

import {
  connectPlatform,
  SignupPage,
  toastSeenAt,
  uniqueBusinessName,
  uniqueEmail,
  watchForToast,
} from './pages';

// Pulseboard as an operator runs it at scale: a web process
// (`serve --no-worker`) and a separate `worker`, on PostgreSQL. The run
// happens in the worker; its progress and end must still reach the
// browser live, through Postgres NOTIFY.

const root = path.resolve(__dirname, '../..');
const binary = path.join(root, 'target/debug/pulseboard');
const port = 3011;
const base = `http://127.0.0.1:${port}`;
const database = `pulseboard_e2e_split_${process.pid}`;
const adminToken = 'split-sandbox-admin';

test.use({ baseURL: base });

const children: ChildProcess[] = [];
let scratch = '';
let postgres = true;

function psql(sql: string) {
  execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', sql], {
    stdio: 'pipe',
  });
}

function start(args: string[]): ChildProcess {
  const env = {
    ...process.env,
    DATABASE_URL: `postgres://postgres@127.0.0.1:5432/${database}`,
    LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
    PULSEBOARD_SITE_ADDR: `127.0.0.1:${port}`,
    LEPTOS_SITE_ROOT: path.join(root, 'target/site'),
    PULSEBOARD_TOKEN_KEYS_FILE: path.join(scratch, 'token-keys'),
    PULSEBOARD_SANDBOX_ADMIN_TOKEN: adminToken,
    PULSEBOARD_RATE_LIMITS__SIGNUP_PER_HOUR: '1000',
    PULSEBOARD_LOG_LEVEL: 'warn',
  };
  const child = spawn(binary, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(child);
  return child;
}

async function healthy(): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${base} did not become healthy`);
}

test.beforeAll(async () => {
  try {
    psql(`DROP DATABASE IF EXISTS ${database}`);
    psql(`CREATE DATABASE ${database}`);
  } catch (e) {
    if (process.env.PULSEBOARD_REQUIRE_POSTGRES) throw e;
    postgres = false;
    return;
  }
  scratch = mkdtempSync(path.join(tmpdir(), 'pulseboard-split-'));
  // The web process migrates; the worker starts once it is up.
  start(['serve', '--no-worker']);
  await healthy();
  start(['worker']);
});

test.afterAll(async () => {
  for (const child of children) {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
  if (postgres) psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('with a separate worker on Postgres, progress and the completion toast arrive live', async ({ page }) => {
  test.skip(!postgres, 'no PostgreSQL server here (CI sets PULSEBOARD_REQUIRE_POSTGRES)');
  test.setTimeout(90_000);
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());
  const businessId = page.url().split('/').pop();
  await connectPlatform(page, 'x');
  await connectPlatform(page, 'linkedin');

  const admin = { Authorization: `Bearer ${adminToken}` };
  for (const platform of ['x', 'linkedin']) {
    await page.request.post(`/sandbox/_faults?platform=${platform}&latency_ms=200`, { headers: admin });
  }
  const card = page.locator('section.sync-card');
  // A fresh server's first pages load the (debug) bundle cold: give hydration time.
  await expect(card.locator('.headline[data-live="true"]')).toBeVisible({ timeout: 20_000 });
  await watchForToast(page, 'Sync finished.');
  await card.getByRole('button', { name: 'Sync now' }).click();
  // Progress is written by the worker process and pushed to this page.
  await expect(card.locator('.headline')).toHaveText(/^Syncing… [01] of 2 accounts — .+/, { timeout: 20_000 });
  await expect(page.getByRole('status').getByText('Sync finished.')).toBeVisible({ timeout: 30_000 });
  await expect(card.locator('.headline')).toHaveText('Synced');
  await expect(page.locator('section.history tr.run').first()).toContainText('succeeded');

  const seen = await toastSeenAt(page);
  const status = await (await page.request.get(`/api/v1/analytics/sync-status/${businessId}`)).json();
  const finished = Date.parse(status.last_run.finished_at);
  console.log(`run finished → toast shown (web and worker processes, Postgres): ${seen - finished} ms`);
  test.info().annotations.push({ type: 'run-finished-to-toast-ms', description: String(seen - finished) });
});
