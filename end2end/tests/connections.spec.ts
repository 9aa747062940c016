import { type Page } from '@playwright/test';
import { expect, test } from './fixtures';

import {
  BusinessesPage,
  DASHBOARD_URL,
  disconnect,
  SignupPage,
  uniqueBusinessName,
  uniqueEmail,
  waitForHydration,
} from './pages';

/** The X card on a business dashboard. */
function xCard(page: Page) {
  return page.locator('article.platform-card[data-platform="x"]');
}

/** Clicks Connect/Reconnect and lands on the sandbox's consent page. */
async function openConsent(page: Page, linkName: string) {
  await xCard(page).getByRole('link', { name: linkName }).click();
  await expect(page).toHaveURL(/\/sandbox\/x\/i\/oauth2\/authorize\?/);
  await expect(page.getByRole('heading', { name: 'Authorize Pulseboard to use your account?' })).toBeVisible();
}

test('connect X through the sandbox: deny once, connect, see the status, disconnect', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());
  const dashboard = page.url();

  await expect(xCard(page).getByText('Not connected.')).toBeVisible();
  await expect(xCard(page).getByText('Sandbox')).toBeVisible();

  // Declining consent comes back with a clear toast and no connection.
  await openConsent(page, 'Connect X');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/oauth=denied&platform=x$/);
  await waitForHydration(page);
  await expect(page.getByRole('status').getByText('X: the connection was declined.')).toBeVisible();
  await expect(xCard(page).getByText('Not connected.')).toBeVisible();

  // Approving connects the sandbox account.
  await openConsent(page, 'Connect X');
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await expect(page).toHaveURL(/oauth=connected&platform=x$/);
  expect(page.url()).not.toContain('code=');
  expect(page.url()).not.toContain('state=');
  await waitForHydration(page);
  await expect(page.getByRole('status').getByText(/^Connected X\./)).toBeVisible();
  await expect(xCard(page).getByText('@pulseboard_demo')).toBeVisible();
  await expect(xCard(page).locator('.status')).toHaveText('Connected');
  // The feed speaks in sentences: who, what, which account — no ids.
  const feed = page.locator('ul.audit');
  await expect(feed.locator('li[data-kind="connected"]').first()).toContainText(
    /@example\.com\u2069? connected X as \u2068@pulseboard_demo\u2069\./,
  );
  await expect(feed.locator('li[data-kind="connect_failed"]').first()).toContainText(
    "Connecting X was declined on X's page.",
  );
  await expect(feed).not.toContainText(/[0-9a-f]{8}-[0-9a-f]{4}-/);

  // Disconnect asks for confirmation, then revokes and removes it.
  await disconnect(xCard(page));
  await expect(page.getByRole('status').getByText('Disconnected \u2068@pulseboard_demo\u2069.', { exact: true })).toBeVisible();
  await expect(xCard(page).getByText('Not connected.')).toBeVisible();
  expect(DASHBOARD_URL.test(dashboard)).toBe(true);
  await expect(page).toHaveURL(/\/businesses\/[0-9a-f-]{36}/);
});

/** The LinkedIn card on a business dashboard. */
function linkedInCard(page: Page) {
  return page.locator('article.platform-card[data-platform="linkedin"]');
}

test('connect LinkedIn through the sandbox: deny, connect, status, the revocation caveat, disconnect', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());

  await linkedInCard(page).getByRole('link', { name: 'Connect LinkedIn' }).click();
  await expect(page).toHaveURL(/\/sandbox\/linkedin\/oauth\/v2\/authorization\?/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/oauth=denied&platform=linkedin$/);
  await waitForHydration(page);
  await expect(page.getByRole('status').getByText('LinkedIn: the connection was declined.')).toBeVisible();
  await expect(linkedInCard(page).getByText('Not connected.')).toBeVisible();

  await linkedInCard(page).getByRole('link', { name: 'Connect LinkedIn' }).click();
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await expect(page).toHaveURL(/oauth=connected&platform=linkedin$/);
  await waitForHydration(page);
  await expect(page.getByRole('status').getByText(/^Connected LinkedIn\./)).toBeVisible();
  await expect(linkedInCard(page).getByText('Pulseboard Demo Company')).toBeVisible();
  // A refresh token exists, so no expiry nag; the revocation caveat is shown.
  await expect(linkedInCard(page).locator('.status')).toHaveText('Connected');
  await expect(linkedInCard(page).getByText(/no way to revoke access from here/)).toBeVisible();

  await disconnect(linkedInCard(page));
  await expect(page.getByRole('status').getByText(/^Disconnected .+\.$/)).toBeVisible();
  await expect(linkedInCard(page).getByText('Not connected.')).toBeVisible();
});

test('an account already connected to another business is linked only when the user says so', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  const first = uniqueBusinessName();
  await businesses.createBusiness(first);
  const firstDashboard = page.url();
  await openConsent(page, 'Connect X');
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await expect(page).toHaveURL(/oauth=connected&platform=x$/);

  // A second business connects the same X account: asked, declined.
  await page.goto('/businesses');
  await waitForHydration(page);
  await businesses.createBusiness(uniqueBusinessName());
  const secondDashboard = page.url();
  await openConsent(page, 'Connect X');
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await expect(page).toHaveURL(/\/businesses\/[0-9a-f-]{36}\/link\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { name: 'Already connected to another business' })).toBeVisible();
  await expect(page.getByText(`“${first}”`)).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: "Don't connect" }).click();
  await expect(page).toHaveURL(/oauth=not_linked&platform=x$/);
  await expect(page.getByRole('status').getByText('X was not connected: it stays with the other business only.')).toBeVisible();
  await expect(xCard(page).getByText('Not connected.')).toBeVisible();

  // Asked again, accepted: connected here too.
  await openConsent(page, 'Connect X');
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Connect it here too' }).click();
  await expect(page).toHaveURL(/oauth=connected_shared&platform=x$/);
  await expect(page.getByRole('status').getByText(/It stays connected to the other business too\./)).toBeVisible();
  await expect(xCard(page).getByText('@pulseboard_demo')).toBeVisible();

  // Leave no shared X connection behind for the other tests.
  expect(page.url()).toContain(secondDashboard);
  await disconnect(xCard(page));
  await expect(xCard(page).getByText('Not connected.')).toBeVisible();
  await page.goto(firstDashboard);
  await waitForHydration(page);
  await disconnect(xCard(page));
  await expect(xCard(page).getByText('Not connected.')).toBeVisible();
});

test('connect Facebook & Instagram: deny once, pick one of several Pages, see both accounts, disconnect', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());
  const metaCard = page.locator('article.platform-card[data-platform="meta"]');

  // Declined first: a clear toast, nothing connected.
  await metaCard.getByRole('link', { name: 'Connect Facebook & Instagram' }).click();
  await expect(page).toHaveURL(/\/sandbox\/meta\/dialog\/oauth\?/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page).toHaveURL(/oauth=denied&platform=meta$/);
  await waitForHydration(page);
  await expect(page.getByRole('status').getByText('Facebook & Instagram: the connection was declined.')).toBeVisible();
  await expect(metaCard.getByText('Not connected.')).toBeVisible();

  await metaCard.getByRole('link', { name: 'Connect Facebook & Instagram' }).click();
  await expect(page).toHaveURL(/\/sandbox\/meta\/dialog\/oauth\?/);
  await page.getByRole('button', { name: 'Authorize app' }).click();

  // Two Pages: the picker asks which one.
  await expect(page.getByRole('heading', { name: 'Choose a Facebook Page' })).toBeVisible();
  await waitForHydration(page);
  await page.getByLabel(/Northwind Coffee/).check();
  await page.getByRole('button', { name: 'Connect this Page' }).click();
  await expect(page).toHaveURL(/oauth=connected&platform=meta$/);
  await expect(page.getByRole('status').getByText(/^Connected Facebook & Instagram\./)).toBeVisible();
  await expect(metaCard.getByText('Northwind Coffee', { exact: true })).toBeVisible();
  await expect(metaCard.getByText('@northwind.coffee', { exact: true })).toBeVisible();

  await disconnect(metaCard);
  await expect(metaCard.getByText('Not connected.')).toBeVisible();
});
