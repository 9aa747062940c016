// Takes the README screenshot: signs up, creates a business, captures its dashboard.
// Usage: node end2end/screenshot.js http://127.0.0.1:3000 docs/screenshot.png
const { chromium } = require('@playwright/test');

(async () => {
  const [base, out] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1100, height: 760 } });
  await page.goto(`${base}/signup`);
  await page.waitForSelector('div.app[data-hydrated="true"]');
  await page.getByLabel('Email').fill(`demo-${Date.now()}@example.com`);
  await page.getByLabel('Password').fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL('**/businesses');
  await page.getByLabel('Name').fill('Northwind Coffee');
  await page.getByLabel('Time zone').fill('Europe/Berlin');
  await page.getByRole('button', { name: 'Create business' }).click();
  await page.waitForURL(/\/businesses\/[0-9a-f-]{36}$/);
  await page.getByRole('heading', { level: 1, name: 'Northwind Coffee' }).waitFor();
  await page.locator('article[data-platform="x"]').getByRole('link', { name: 'Connect X' }).click();
  await page.getByRole('button', { name: 'Authorize app' }).click();
  await page.waitForURL(/oauth=connected/);
  await page.waitForSelector('div.app[data-hydrated="true"]');
  await page.getByText('@pulseboard_demo', { exact: true }).waitFor();
  await page.waitForTimeout(6500); // let the toasts fade
  await page.screenshot({ path: out, fullPage: false });
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
