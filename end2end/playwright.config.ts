import { defineConfig, devices } from '@playwright/test';

// Run by `cargo leptos end-to-end`, which builds and starts the server and then
// runs `npx playwright test` here without waiting for the port: global-setup.ts
// polls /healthz until the server answers.

const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

// The system Chromium; `npx playwright install` is not used.
const launchOptions = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};

export default defineConfig({
  testDir: './tests',
  fullyParallel: false,
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: 'list',
  timeout: 30_000,
  globalSetup: './global-setup.ts',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions,
  },
  projects: [
    {
      name: 'chromium',
      // The device preset sets viewport, user agent and so on; launchOptions
      // are restated so the preset can never replace them.
      use: { ...devices['Desktop Chrome'], launchOptions },
    },
  ],
});
