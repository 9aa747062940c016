import { type Request } from '@playwright/test';
import { expect, refused, test } from './fixtures';

import {
  BusinessesPage,
  BusinessPage,
  LoginPage,
  Nav,
  PASSWORD,
  SignupPage,
  uniqueBusinessName,
  uniqueEmail,
} from './pages';

test('sign up, create a business, open its dashboard, log out, log in', async ({ page }) => {
  const email = uniqueEmail();
  const name = uniqueBusinessName();

  const signup = new SignupPage(page);
  await signup.goto();
  const businesses = await signup.signUp(email, PASSWORD);

  await businesses.createBusiness(name, 'Europe/Berlin');
  const dashboard = new BusinessPage(page);
  await expect(dashboard.heading(name)).toBeVisible();
  await expect(dashboard.noAccounts).toBeVisible();

  await new Nav(page).logOut();
  await expect(page).toHaveURL(/\/login$/);

  const login = new LoginPage(page);
  await expect(login.heading).toBeVisible();
  await login.logIn(email, PASSWORD);

  const link = businesses.businessLink(name);
  await expect(link).toBeVisible();
  await link.click();
  await expect(page).toHaveURL(/\/businesses\/[0-9a-f-]{36}$/);
  await expect(dashboard.heading(name)).toBeVisible();
});

test('hydration: the account menu opens without a page reload', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  await signup.signUp(uniqueEmail());

  // A full load of the server-rendered page, so the menu is hydrated, not client-rendered.
  const businesses = new BusinessesPage(page);
  await businesses.goto();

  const navigations = await page.evaluate(
    () => performance.getEntriesByType('navigation').length,
  );
  await page.evaluate(() => {
    (window as unknown as { __marker?: number }).__marker = 42;
  });

  const nav = new Nav(page);
  await expect(nav.menuPanel).toBeHidden();
  await expect(nav.accountMenuButton).toHaveAttribute('aria-expanded', 'false');

  await nav.accountMenuButton.click();
  await expect(nav.menuPanel).toBeVisible();
  await expect(nav.accountMenuButton).toHaveAttribute('aria-expanded', 'true');

  expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(
    42,
  );
  expect(
    await page.evaluate(() => performance.getEntriesByType('navigation').length),
  ).toBe(navigations);
});

test('inline validation appears on blur without a request', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();

  // Track only what happens after hydration.
  const serverFnRequests: string[] = [];
  page.on('request', (request: Request) => {
    if (request.url().includes('/api/fn/')) {
      serverFnRequests.push(`${request.method()} ${request.url()}`);
    }
  });

  await signup.email.fill('not-an-email');
  await signup.email.press('Tab');

  await expect(
    page.getByRole('alert').filter({ hasText: 'Enter an email address like name@example.com.' }),
  ).toBeVisible();
  await expect(signup.email).toHaveAttribute('aria-invalid', 'true');
  expect(serverFnRequests).toEqual([]);
});

test('a wrong password is rejected without revealing whether the email exists', async ({ page, browserConsole }) => {
  browserConsole.allow(refused(401, '/api/fn/auth/login'));
  const login = new LoginPage(page);
  await login.goto();
  await login.submitForm(uniqueEmail(), PASSWORD);

  await expect(login.formError('The email or password is incorrect.')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
});

test("another user's business is not found", async ({ page, browserConsole }) => {
  browserConsole.allow(refused(404, '/businesses/'));
  // User A creates a business.
  const signupA = new SignupPage(page);
  await signupA.goto();
  const businessesA = await signupA.signUp(uniqueEmail());
  const name = uniqueBusinessName();
  const businessUrl = await businessesA.createBusiness(name);

  await new Nav(page).logOut();

  // User B must not see it.
  const signupB = new SignupPage(page);
  await signupB.goto();
  await signupB.signUp(uniqueEmail());

  const dashboard = new BusinessPage(page);
  await dashboard.goto(businessUrl);
  await expect(page.getByRole('heading', { level: 1, name: 'Not found', exact: true })).toBeVisible();
  await expect(dashboard.heading(name)).toHaveCount(0);
});

test('delete requires typing the name', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses = await signup.signUp(uniqueEmail());
  const name = uniqueBusinessName();
  await businesses.createBusiness(name);

  const dashboard = new BusinessPage(page);
  await expect(dashboard.dangerZone).toBeVisible();
  await expect(dashboard.deleteButton).toBeDisabled();

  await dashboard.deleteConfirmName.fill(`${name} (not quite)`);
  await expect(dashboard.deleteButton).toBeDisabled();

  await dashboard.deleteConfirmName.fill(name);
  await expect(dashboard.deleteButton).toBeEnabled();
  await dashboard.deleteButton.click();

  await businesses.expectLoaded();
  await expect(businesses.businessLink(name)).toHaveCount(0);
});
