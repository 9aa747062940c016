import { expect, type Locator, type Page } from '@playwright/test';

/** Long enough for the 10-character minimum, with room to spare. */
export const PASSWORD = 'correct-horse-battery-staple';

/** Matches a dashboard URL: /businesses/<uuid>. */
export const DASHBOARD_URL = /\/businesses\/[0-9a-f-]{36}$/;
export const BUSINESSES_URL = /\/businesses$/;
export const LOGIN_URL = /\/login$/;

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

/** A fresh address per call, so tests never collide with earlier runs. */
export function uniqueEmail(): string {
  return `e2e-${Date.now()}-${randomSuffix()}@example.com`;
}

export function uniqueBusinessName(): string {
  return `E2E Bakery ${Date.now()}-${randomSuffix()}`;
}

/**
 * Waits until the WASM bundle has hydrated the server-rendered page. The app
 * sets `data-hydrated="true"` on `div.app` from an Effect, and Effects run only
 * in the browser. Before that, clicks and form submissions are not handled by
 * the app, so every `page.goto` must be followed by this.
 */
export async function waitForHydration(page: Page): Promise<void> {
  await page.locator('div.app[data-hydrated="true"]').waitFor({ state: 'attached' });
}

/** A full page load of `path`, then wait for hydration. */
export async function gotoAndHydrate(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/** The top navigation and its account menu. */
export class Nav {
  readonly accountMenuButton: Locator;
  readonly menuPanel: Locator;
  readonly logOutButton: Locator;
  readonly logInLink: Locator;

  constructor(readonly page: Page) {
    const nav = page.getByRole('navigation', { name: 'Main' });
    this.accountMenuButton = page.getByRole('button', { name: 'Account menu', exact: true });
    this.menuPanel = page.locator('#user-menu-panel');
    this.logOutButton = page.getByRole('button', { name: 'Log out', exact: true });
    this.logInLink = nav.getByRole('link', { name: 'Log in', exact: true });
  }

  async openAccountMenu(): Promise<void> {
    await this.accountMenuButton.click();
    await expect(this.accountMenuButton).toHaveAttribute('aria-expanded', 'true');
    await expect(this.menuPanel).toBeVisible();
  }

  async logOut(): Promise<void> {
    await this.openAccountMenu();
    await this.logOutButton.click();
    await expect(this.page).toHaveURL(LOGIN_URL);
  }
}

export class SignupPage {
  readonly heading: Locator;
  readonly email: Locator;
  readonly password: Locator;
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Create your account' });
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Create account', exact: true });
  }

  async goto(): Promise<void> {
    await gotoAndHydrate(this.page, '/signup');
    await expect(this.heading).toBeVisible();
  }

  /** Fills and submits the form; does not wait for the outcome. */
  async submitForm(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** Signs up and waits for the client-side navigation to /businesses. */
  async signUp(email: string, password: string = PASSWORD): Promise<BusinessesPage> {
    await this.submitForm(email, password);
    const businesses = new BusinessesPage(this.page);
    await businesses.expectLoaded();
    return businesses;
  }
}

export class LoginPage {
  readonly heading: Locator;
  readonly email: Locator;
  readonly password: Locator;
  /** The form's button; the nav also has a *link* named "Log in". */
  readonly submit: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Log in' });
    this.email = page.getByLabel('Email', { exact: true });
    this.password = page.getByLabel('Password', { exact: true });
    this.submit = page.getByRole('button', { name: 'Log in', exact: true });
  }

  async goto(): Promise<void> {
    await gotoAndHydrate(this.page, '/login');
    await expect(this.heading).toBeVisible();
  }

  /** Fills and submits the form; does not wait for the outcome. */
  async submitForm(email: string, password: string): Promise<void> {
    await this.email.fill(email);
    await this.password.fill(password);
    await this.submit.click();
  }

  /** Logs in and waits for the client-side navigation to /businesses. */
  async logIn(email: string, password: string = PASSWORD): Promise<BusinessesPage> {
    await this.submitForm(email, password);
    const businesses = new BusinessesPage(this.page);
    await businesses.expectLoaded();
    return businesses;
  }

  /** A form-level error (`p.form-error[role=alert]`) with this text. */
  formError(text: string): Locator {
    return this.page.getByRole('alert').filter({ hasText: text });
  }
}

export class BusinessesPage {
  readonly heading: Locator;
  readonly name: Locator;
  readonly timezone: Locator;
  readonly createButton: Locator;

  constructor(readonly page: Page) {
    this.heading = page.getByRole('heading', { level: 1, name: 'Your businesses' });
    this.name = page.getByLabel('Name', { exact: true });
    this.timezone = page.getByLabel('Time zone', { exact: true });
    this.createButton = page.getByRole('button', { name: 'Create business', exact: true });
  }

  async goto(): Promise<void> {
    await gotoAndHydrate(this.page, '/businesses');
    await this.expectLoaded();
  }

  async expectLoaded(): Promise<void> {
    await expect(this.page).toHaveURL(BUSINESSES_URL);
    await expect(this.heading).toBeVisible();
  }

  businessLink(name: string): Locator {
    return this.page.getByRole('link', { name, exact: true });
  }

  /** Creates a business and waits for its dashboard; returns the dashboard URL. */
  async createBusiness(name: string, timezone = 'Europe/Berlin'): Promise<string> {
    await this.name.fill(name);
    await this.timezone.fill(timezone);
    await this.createButton.click();
    await expect(this.page).toHaveURL(DASHBOARD_URL);
    await new BusinessPage(this.page).expectBusiness(name);
    return this.page.url();
  }
}

export class BusinessPage {
  readonly noAccounts: Locator;
  /** The "Delete this business" section (the page has a second "Business name" field, for renaming). */
  readonly dangerZone: Locator;
  readonly deleteConfirmName: Locator;
  readonly deleteButton: Locator;

  constructor(readonly page: Page) {
    this.noAccounts = page.getByText('No accounts connected yet', { exact: true });
    this.dangerZone = page
      .locator('section.danger')
      .filter({ has: page.getByRole('heading', { name: 'Delete this business' }) });
    this.deleteConfirmName = this.dangerZone.getByLabel('Business name', { exact: true });
    this.deleteButton = this.dangerZone.getByRole('button', {
      name: 'Delete business',
      exact: true,
    });
  }

  async goto(url: string): Promise<void> {
    await gotoAndHydrate(this.page, url);
  }

  heading(name: string): Locator {
    return this.page.getByRole('heading', { level: 1, name, exact: true });
  }

  async expectBusiness(name: string): Promise<void> {
    await expect(this.heading(name)).toBeVisible();
  }

  /** Types the name to confirm, deletes, and waits for the list. */
  async deleteBusiness(name: string): Promise<BusinessesPage> {
    await this.deleteConfirmName.fill(name);
    await expect(this.deleteButton).toBeEnabled();
    await this.deleteButton.click();
    const businesses = new BusinessesPage(this.page);
    await businesses.expectLoaded();
    return businesses;
  }
}

/**
 * Disconnect asks for confirmation. The cards hydrate inside a Suspense,
 * after the page-level marker, so a first click can land before the button
 * is live: click until the confirmation shows, then confirm.
 */
export async function disconnect(card: Locator) {
  const confirm = card.getByRole('button', { name: 'Confirm disconnect' });
  await expect(async () => {
    if (!(await confirm.isVisible())) {
      await card.getByRole('button', { name: 'Disconnect' }).click();
    }
    await expect(confirm).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await confirm.click();
}


/** A platform's card on a business dashboard. */
export function platformCard(page: Page, platform: 'x' | 'linkedin' | 'meta'): Locator {
  return page.locator(`article.platform-card[data-platform="${platform}"]`);
}

/** Connects a sandbox account from the business dashboard and waits for the way back. */
export async function connectPlatform(page: Page, platform: 'x' | 'linkedin' | 'meta'): Promise<void> {
  const names = { x: 'Connect X', linkedin: 'Connect LinkedIn', meta: 'Connect Facebook & Instagram' };
  await platformCard(page, platform).getByRole('link', { name: names[platform] }).click();
  await page.getByRole('button', { name: 'Authorize app' }).click();
  if (platform === 'meta') {
    // The sandbox user manages two Pages: the picker asks which one.
    await expect(page.getByRole('heading', { name: 'Choose a Facebook Page' })).toBeVisible();
    await waitForHydration(page);
    await page.getByLabel(/Northwind Coffee/).check();
    await page.getByRole('button', { name: 'Connect this Page' }).click();
  }
  await expect(page).toHaveURL(new RegExp(`oauth=connected&platform=${platform}$`));
  await waitForHydration(page);
}

/**
 * Runs axe-core on the page as it is and fails on any violation of
 * serious or critical impact, listing each rule and where it broke.
 */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  const { default: AxeBuilder } = await import('@axe-core/playwright');
  const results = await new AxeBuilder({ page }).analyze();
  const grave = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join('; ')}`);
  expect(grave, `${what}: accessibility violations`).toEqual([]);
}

/**
 * Starts recording, in the page, the wall-clock time at which a toast
 * matching `text` first appears; read it back with `toastSeenAt`.
 */
export async function watchForToast(page: Page, text: string): Promise<void> {
  await page.evaluate((wanted) => {
    const w = window as unknown as { __toastAt?: number };
    w.__toastAt = undefined;
    const seen = () => {
      const region = document.querySelector('.toasts');
      if (w.__toastAt === undefined && region?.textContent?.includes(wanted)) {
        w.__toastAt = Date.now();
        observer.disconnect();
      }
    };
    const observer = new MutationObserver(seen);
    observer.observe(document.body, { subtree: true, childList: true, characterData: true });
  }, text);
}

export async function toastSeenAt(page: Page): Promise<number> {
  const at = await page.evaluate(() => (window as unknown as { __toastAt?: number }).__toastAt);
  expect(at, 'the toast was seen').toBeDefined();
  return at as number;
}
