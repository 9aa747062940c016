import type { FullConfig } from '@playwright/test';

const POLL_INTERVAL_MS = 500;
const TIMEOUT_MS = 180_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * `cargo leptos end-to-end` starts the server and runs Playwright at once, so
 * wait here until GET /healthz answers 200 before any test runs.
 */
export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL =
    config.projects[0]?.use?.baseURL ?? process.env.BASE_URL ?? 'http://127.0.0.1:3000';
  const url = `${baseURL.replace(/\/+$/, '')}/healthz`;
  const deadline = Date.now() + TIMEOUT_MS;
  let last = 'no attempt made';

  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (res.status === 200) {
        return;
      }
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(POLL_INTERVAL_MS);
  }

  throw new Error(
    `The server did not become healthy: ${url} gave no 200 within ${TIMEOUT_MS / 1000} s (last: ${last}).`,
  );
}
