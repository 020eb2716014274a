import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs as signInAsUser } from '../support/admin-session.js';
import { launchChromium } from '../support/chromium.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { writeLocalUsers } from '../support/local-users.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-sign-in-'));
let runtime: RunningRuntime;
let browser: Browser;

beforeAll(async () => {
  writeLocalUsers(dataDir);
  [runtime, browser] = await Promise.all([startRuntime({ dataDir, env: journeyEnv }), launchChromium()]);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const signInAs = (role: 'sales' | 'marketing'): Promise<Page> => signInAsUser(browser, runtime, role);

const tokenIn = (page: Page) => page.evaluate(() => sessionStorage.getItem('leadflow-admin-token') ?? '');

describe('signing in to the admin page', () => {
  it('as sales: no schedule editing offered, and the API refuses it', async () => {
    const page = await signInAs('sales');
    expect(await page.textContent('#signed-in-as')).toContain('sales@example.com');
    expect(await page.isVisible('#schedule-editor')).toBe(false);
    expect(await page.isVisible('#tab-templates')).toBe(false);
    expect(await page.textContent('#role-notice')).toMatch(/edited by marketing/);
    await page.waitForSelector('#funnel .row');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/sign-in-sales.png', fullPage: true });

    const refused = await runtime.call('/v1/schedules/nurture', {
      method: 'PUT',
      headers: { authorization: `Bearer ${await tokenIn(page)}`, 'if-match': '"0"' },
      json: { steps: [{ delay: '0m', template: 'welcome' }] },
    });
    expect(refused.status).toBe(403);
    await page.close();
  });

  it('as marketing: publishes a schedule, and the version shows who and why', async () => {
    const page = await signInAs('marketing');
    await page.waitForSelector('#steps tr');
    await page.locator('#steps tr').nth(1).locator('[name="delay"]').fill('4d');
    await page.fill('#change-note', 'A day more before the case study');
    await page.click('#publish');
    await page.waitForFunction(() => document.getElementById('version')?.textContent === 'version 1');
    await page.waitForFunction(() => document.querySelector('#versions li')?.textContent?.startsWith('v1 '));
    const latest = await page.locator('#versions li').first().textContent();
    expect(latest).toContain('by marketing@example.com');
    expect(latest).toContain('A day more before the case study');
    await page.screenshot({ path: 'test-results/sign-in-marketing.png', fullPage: true });

    const published = (await (await runtime.call('/v1/schedules/nurture', { admin: true })).json()) as {
      publishedBy: { email: string };
      note: string;
    };
    expect(published.publishedBy.email).toBe('marketing@example.com');
    expect(published.note).toBe('A day more before the case study');
    await page.close();
  });
});
