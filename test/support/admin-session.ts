import type { Browser, Page } from 'playwright-core';
import type { Role } from '../../lib/api-routes.js';
import type { RunningRuntime } from './local-runtime.js';
import { passwordOf } from './local-users.js';

/**
 * A new page signed in to /admin as the local user of `role` (`writeLocalUsers`), through the
 * page's Sign in button, the local sign-in page, and back.
 */
export const signInAs = async (browser: Browser, runtime: RunningRuntime, role: Role): Promise<Page> => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // A step that never comes fails naming what it waited for, inside the test's own time.
  page.setDefaultTimeout(10_000);
  await page.goto(`${runtime.url}/admin`);
  await Promise.all([page.waitForURL(/\/_local\/idp\/oauth2\/authorize/), page.click('#sign-in-user')]);
  await page.fill('#username', role);
  await page.fill('#password', passwordOf(role));
  await Promise.all([page.waitForURL(/\/admin$/), page.click('button[type="submit"]')]);
  await page.waitForFunction(() => document.getElementById('workspace')?.hidden === false);
  return page;
};
