import { expect, refused, test } from './fixtures';

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

test('logging in from a deep link returns to it; a return_to off the site is ignored', async ({ page, browserConsole }) => {
  // Signed out, the dashboard answers 401 with its "Please log in".
  browserConsole.allow(refused(401, '/businesses/'));
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

test('an invalid field, then one click on the button, submits', async ({ page, browserConsole }) => {
  // The server turns both forms down with 422: that is the point.
  browserConsole.allow(refused(422, '/api/fn/auth/signup'));
  browserConsole.allow(refused(422, '/api/fn/businesses/rename'));
  const signup = new SignupPage(page);
  await signup.goto();
  await signup.password.fill(PASSWORD);
  // Focus stays in the invalid field: the click is what blurs it.
  await signup.email.fill('ada@example');
  const request = page.waitForRequest((r) => r.method() === 'POST' && /\/api\/fn\/auth\/signup/.test(r.url()), {
    timeout: 3000,
  });
  await signup.submit.click();
  await request;
  await expect(page.locator('#email-error')).toHaveText(/email address/i);

  // The same on the rename form of a new business.
  await signup.email.fill(uniqueEmail());
  await signup.submit.click();
  await new BusinessesPage(page).expectLoaded();
  await new BusinessesPage(page).createBusiness(uniqueBusinessName());
  const settings = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Settings' }) });
  const name = settings.getByLabel('Business name', { exact: true });
  await name.fill('   ');
  const rename = page.waitForRequest((r) => /\/api\/fn\/businesses\/rename/.test(r.url()), { timeout: 3000 });
  await settings.getByRole('button', { name: 'Rename' }).click();
  await rename;
  await expect(settings.locator('#name-error')).toHaveText(/name/i);
});

test('times read in the business zone, and changing the zone moves the schedule and says so', async ({
  page,
  browserConsole,
}) => {
  browserConsole.allow(refused(422, '/api/fn/businesses/timezone'));
  const signup = new SignupPage(page);
  await signup.goto();
  const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
  // Any letter case finds the zone.
  await businesses.createBusiness(uniqueBusinessName(), 'europe/berlin');
  await expect(page.locator('.page-header .meta')).toContainText(/Europe\/Berlin \(CES?T\)/);

  // A daily sync at 07:30 is planned at 07:30 Berlin time.
  const settings = page.locator('section.card').filter({ has: page.getByRole('heading', { name: 'Settings' }) });
  await settings.getByLabel('Sync', { exact: true }).selectOption('daily');
  await settings.getByLabel(/^At/).fill('07:30');
  await settings.getByRole('button', { name: 'Save schedule' }).click();
  await expect(page.getByRole('status').getByText('Schedule saved: daily at 07:30.')).toBeVisible();
  await expect(settings.getByText(/^Next sync: .*07:30 CES?T\.$/)).toBeVisible();

  // An abbreviation is refused with the zone to choose instead; nothing changes.
  const zone = settings.getByLabel('Time zone', { exact: true });
  await zone.fill('PST');
  await settings.getByRole('button', { name: 'Change time zone' }).click();
  await expect(settings.locator('#timezone-error')).toContainText('America/Los_Angeles');
  await expect(page.locator('.page-header .meta')).toContainText('Europe/Berlin');

  // The picker searches every zone by city.
  await expect(page.locator('datalist#zones option[value="America/Los_Angeles"]')).toHaveCount(1);
  await zone.fill('America/Los_Angeles');
  await settings.getByRole('button', { name: 'Change time zone' }).click();
  await expect(
    page
      .getByRole('status')
      .getByText(
        /^Time zone set to America\/Los_Angeles\. The schedule keeps its local times \(daily at 07:30\), now in this zone: the next sync is .*, 07:30 P[SD]T\.$/,
      ),
  ).toHaveCount(1);
  await expect(page.locator('.page-header .meta')).toContainText(/America\/Los_Angeles \(P[SD]T\)/);
  await expect(settings.getByText(/^Next sync: .*07:30 P[SD]T\.$/)).toBeVisible();
  // The status card's next sync, exact on hover, in Pacific time.
  await expect(page.locator('section.sync-card time').last()).toHaveAttribute('title', /07:30 P[SD]T$/);
});

test('the landing page says what Pulseboard does and offers the sandbox', async ({ page }) => {
  await gotoAndHydrate(page, '/');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your social analytics, in one place.');
  await expect(page.getByRole('img', { name: /business dashboard/ })).toBeVisible();
  const img = await page.request.get('/screenshot.png');
  expect(img.headers()['content-type']).toBe('image/png');
  // scripts/test runs the server with the sandbox on.
  await page.getByRole('link', { name: 'Try it with sandbox accounts' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create your account' })).toBeVisible();
});

test('the API docs render their Markdown', async ({ page }) => {
  await page.goto('/api/docs');
  await expect(page.locator('main')).not.toContainText('`');
  await expect(page.locator('main li code').filter({ hasText: 'Retry-After' })).toHaveCount(1);
});

test.describe('in a browser set to Los Angeles', () => {
  test.use({ timezoneId: 'America/Los_Angeles' });

  test('a new business starts in the browser zone', async ({ page }) => {
    const signup = new SignupPage(page);
    await signup.goto();
    const businesses: BusinessesPage = await signup.signUp(uniqueEmail());
    await expect(businesses.timezone).toHaveValue('America/Los_Angeles');
    await businesses.name.fill(uniqueBusinessName());
    await businesses.createButton.click();
    await expect(page).toHaveURL(DASHBOARD_URL);
    await expect(page.locator('.page-header .meta')).toContainText(/America\/Los_Angeles \(P[SD]T\)/);
  });
});
