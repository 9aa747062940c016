import { test as base, expect } from '@playwright/test';

// Every spec imports `test` from here: a console warning or error, or an
// uncaught exception, on any page of the test's browser context fails the
// test that caused it. A test that provokes one on purpose (a page it
// expects to be refused, a form it expects the server to turn down) says
// so: `browserConsole.allow(/…/)` with the narrowest pattern that matches.

export type BrowserConsole = {
  /** Console lines matching `pattern` are expected in this test. */
  allow(pattern: RegExp): void;
};

/** The browser's line for a request the server answered with `status`. */
export function refused(status: number, path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^error: Failed to load resource: the server responded with a status of ${status} .*${escaped}`);
}

export const test = base.extend<{ browserConsole: BrowserConsole }>({
  browserConsole: [
    async ({ context }, use) => {
      const allowed: RegExp[] = [];
      const problems: string[] = [];
      context.on('console', (m) => {
        if (m.type() !== 'error' && m.type() !== 'warning') return;
        const text = `${m.type()}: ${m.text()} (${m.location().url})`;
        if (!allowed.some((r) => r.test(text))) problems.push(text);
      });
      context.on('weberror', (e) => problems.push(`uncaught: ${e.error().message}`));
      await use({ allow: (pattern) => allowed.push(pattern) });
      expect(problems, `the browser reported:\n${problems.join('\n')}`).toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
