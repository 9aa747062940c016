import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';

import {
  BusinessesPage,
  disconnect,
  SignupPage,
  uniqueBusinessName,
  uniqueEmail,
  waitForHydration,
} from './pages';

/** A new user's business with the sandbox X account connected. */
async function businessWithX(page: Page): Promise<string> {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());
  const card = page.locator('article.platform-card[data-platform="x"]');
  await card.getByRole('link', { name: 'Connect X' }).click();
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await expect(page).toHaveURL(/oauth=connected&platform=x$/);
  await waitForHydration(page);
  const live = syncCard(page).locator('.headline[data-live="true"]');
  // Known flake, not yet understood: now and then the card's effects never
  // run after the OAuth redirect's page load (the app hydrates, the card
  // opens no socket). A reload brings it back, as it would for a person.
  const cameAlive = await live.waitFor({ state: 'visible', timeout: 5000 }).then(
    () => true,
    () => false,
  );
  if (!cameAlive) {
    await expect(async () => {
      await page.reload();
      await waitForHydration(page);
      await expect(live).toBeVisible({ timeout: 5000 });
    }).toPass({ timeout: 20_000 });
  }
  return page.url().replace(/\?.*$/, '');
}

// A test that fails with X still connected would leave the sandbox's one X
// account taken, and every later connect (the retry too) would end on the
// "already connected elsewhere" page.
test.afterEach(async ({ page }) => {
  const disconnectButton = page
    .locator('article.platform-card[data-platform="x"]')
    .getByRole('button', { name: /^Disconnect/ });
  if (await disconnectButton.isVisible().catch(() => false)) {
    await disconnectX(page).catch(() => {});
  }
});

/** The sandbox has one X account: leave it connected nowhere. */
async function disconnectX(page: Page) {
  await disconnect(page.locator('article.platform-card[data-platform="x"]'));
  await expect(page.locator('article.platform-card[data-platform="x"]').getByText('Not connected.')).toBeVisible();
}

function syncCard(page: Page) {
  return page.locator('section.sync-card');
}

test('Sync now: the card follows the run live and toasts its end', async ({ page }) => {
  await businessWithX(page);
  const card = syncCard(page);
  await expect(card.locator('.headline')).toHaveText('Not synced yet');
  await expect(page.locator('section.analytics')).toContainText('No numbers yet');
  await card.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByRole('status').getByText('Sync finished.')).toBeVisible({ timeout: 30_000 });
  await expect(card.locator('.headline')).toHaveText('Synced');
  await expect(card.getByText('x: 1 synced, 0 failed').first()).toBeVisible();
  await expect(card.getByRole('button', { name: 'Sync now' })).toBeEnabled();

  // The analytics fill in without a reload: the follower total the
  // sandbox served, and the top posts.
  const analytics = page.locator('section.analytics');
  await expect(analytics.locator('.kpi').first()).toContainText(/Followers\s*[\d,]+/);
  await expect(analytics.locator('table.top-posts tbody tr').first()).toBeVisible();
  await expect(analytics.getByRole('link', { name: 'Export these metrics (CSV)' })).toBeVisible();

  // The history shows the run without a reload; a row opens to its accounts.
  const run = page.locator('section.history tr.run').first();
  await expect(run).toContainText('manual');
  await expect(run).toContainText('succeeded');
  await run.getByRole('button').click();
  await expect(page.locator('section.history tr.run-details').first()).toContainText(/\d+ records, \d+ calls/);
  await disconnectX(page);
});

test('a sync started elsewhere appears without a reload, and by polling when WebSockets are blocked', async ({ page }) => {
  // Polling runs every 30 s.
  test.setTimeout(90_000);
  const dashboard = await businessWithX(page);
  const businessId = dashboard.split('/').pop();
  // No live socket: the card must fall back to polling the status.
  await page.routeWebSocket(/sync-events/, (ws) => ws.close());
  await page.goto(dashboard);
  await waitForHydration(page);
  const card = syncCard(page);
  await expect(card.locator('.headline[data-live="true"]')).toBeVisible();
  await expect(card.locator('.headline')).toHaveText('Not synced yet');
  // Another client (the REST API, with the same session) starts the sync.
  const res = await page.request.post(`/api/v1/analytics/sync/${businessId}`, {
    headers: { origin: new URL(dashboard).origin },
  });
  expect(res.status()).toBe(202);
  await expect(card.locator('.headline')).toHaveText('Synced', { timeout: 45_000 });
  await disconnectX(page);
});

test('a platform fault ends the sync with a failure toast naming the account and the reason', async ({ page }) => {
  await businessWithX(page);
  // The sandbox's fault switches answer only the operator's token (set by scripts/test).
  const admin = { Authorization: 'Bearer e2e-sandbox-admin' };
  const fault = await page.request.post('/sandbox/_faults?platform=x&fault=server_error', { headers: admin });
  expect(fault.status()).toBe(204);
  try {
    await syncCard(page).getByRole('button', { name: 'Sync now' }).click();
    // The worker picks the run up on its next poll: seconds on a busy machine.
    await expect(
      page.getByRole('status').getByText(/^Sync failed\. Not synced: .+ \(X had a temporary problem; the next sync tries again\.\)$/),
    ).toBeVisible({ timeout: 30_000 });
    await expect(syncCard(page).locator('.headline')).toContainText('The last sync failed');
  } finally {
    await page.request.post('/sandbox/_faults?platform=x', { headers: admin });
    // Even after a failed check, or a retry finds the one X account taken.
    await disconnectX(page);
  }
});
