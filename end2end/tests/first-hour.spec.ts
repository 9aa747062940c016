import { expect, test } from '@playwright/test';

import {
  BusinessesPage,
  DASHBOARD_URL,
  LoginPage,
  Nav,
  PASSWORD,
  SignupPage,
  gotoAndHydrate,
  uniqueBusinessName,
  uniqueEmail,
} from './pages';

test('logging in from a deep link returns to it; a return_to off the site is ignored', async ({ page }) => {
  const email = uniqueEmail();
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(email);
  await businesses.createBusiness(uniqueBusinessName());
  const dashboard = page.url();
  await new Nav(page).logOut();

  // Signed out, the deep link asks to log in and comes back after.
  await gotoAndHydrate(page, dashboard);
  await page.locator('section.card').getByRole('link', { name: 'Log in' }).click();
  await expect(page).toHaveURL(/\/login\?return_to=%2F|\/login\?return_to=\/businesses/);
  const login = new LoginPage(page);
  await login.submitForm(email, PASSWORD);
  await expect(page).toHaveURL(dashboard);
  await expect(page).toHaveURL(DASHBOARD_URL);
  await new Nav(page).logOut();

  // Pointing elsewhere is ignored: the businesses, as after any login.
  for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example']) {
    await gotoAndHydrate(page, `/login?return_to=${encodeURIComponent(target)}`);
    await login.submitForm(email, PASSWORD);
    await new BusinessesPage(page).expectLoaded();
    await new Nav(page).logOut();
  }
});

test('the site has a favicon and an app icon', async ({ page }) => {
  for (const [path, type] of [
    ['/favicon.ico', /image\/(x-icon|vnd\.microsoft\.icon)/],
    ['/icon.svg', /image\/svg\+xml/],
    ['/apple-touch-icon.png', /image\/png/],
  ] as const) {
    const res = await page.request.get(path);
    expect(res.status(), path).toBe(200);
    expect(res.headers()['content-type'], path).toMatch(type);
  }
  await gotoAndHydrate(page, '/');
  await expect(page.locator('link[rel="icon"][href="/favicon.ico"]')).toHaveCount(1);
});

test('a rename toasts once and keeps the page where it was', async ({ page }) => {
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  await businesses.createBusiness(uniqueBusinessName());
  const settings = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Settings' }) });
  const field = settings.getByLabel('Business name', { exact: true });
  await field.scrollIntoViewIfNeeded();
  const before = await page.evaluate(() => window.scrollY);
  expect(before).toBeGreaterThan(0);
  const renamed = uniqueBusinessName();
  await field.fill(renamed);
  await settings.getByRole('button', { name: 'Rename' }).click();
  await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
  // The business reloads after the rename: a second toast would come with it.
  await page.waitForTimeout(500);
  await expect(page.getByRole('status').getByText(/^Renamed to /)).toHaveCount(1);
  const after = await page.evaluate(() => window.scrollY);
  expect(Math.abs(after - before)).toBeLessThan(50);
});
