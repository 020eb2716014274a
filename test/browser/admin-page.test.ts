import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';

let runtime: RunningRuntime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [runtime, browser] = await Promise.all([startRuntime({ env: journeyEnv }), launchChromium()]);
  await runtime.call('/v1/contacts', {
    method: 'POST',
    json: { email: 'in-flight@example.com', consent: true },
  });
  await runtime.settle();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // A step that never comes fails naming what it waited for, inside the test's own time.
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const delayOfStep = (n: number) => page.locator('#steps tr').nth(n).locator('[name="delay"]');
const errorOfStep = (n: number) => page.locator('#steps tr').nth(n).locator('[data-field="delay"]');

describe('the admin page', () => {
  it('refuses a wrong token', async () => {
    await page.goto(`${runtime.url}/admin`);
    await page.fill('#token', 'not-the-token');
    await page.click('#sign-in button[type="submit"]');

    await page.waitForFunction(() => document.getElementById('sign-in-error')?.textContent !== '');
    expect(await page.textContent('#sign-in-error')).toMatch(/not valid/);
  });

  it('edits a delay with an inline error, previews, publishes, and lists the new version', async () => {
    await page.fill('#token', runtime.adminToken);
    await page.click('#sign-in button[type="submit"]');
    await page.waitForSelector('#steps tr');
    await page.waitForSelector('#funnel .row');
    expect(await page.locator('#funnel .row').first().textContent()).toMatch(/^name.*1$/);
    expect(await page.textContent('#version')).toBe('version 0');

    await delayOfStep(1).fill('abc');
    await page.click('#preview');
    expect(await errorOfStep(1).textContent()).toMatch(/must be a duration/);
    expect(await delayOfStep(1).getAttribute('aria-invalid')).toBe('true');

    await delayOfStep(1).fill('2d');
    // A window the page cannot read whole is an inline error, never a shorter window.
    const windowOfStep = (n: number) => page.locator('#steps tr').nth(n).locator('[name="window"]');
    await windowOfStep(0).fill('1-3,9 9-17');
    await page.click('#preview');
    expect(await windowOfStep(0).getAttribute('aria-invalid')).toBe('true');
    await windowOfStep(0).fill('1-3,5 9-17');
    await page.click('#preview');
    await page.waitForSelector('#preview-result dl');
    expect(await page.textContent('#preview-result')).toMatch(/Contacts in flight\s*1/);

    await page.click('#publish');
    await page.waitForFunction(() => document.getElementById('version')?.textContent === 'version 1');
    await page.waitForFunction(() => document.querySelector('#versions li')?.textContent?.startsWith('v1 '));
    expect(await page.locator('#versions li').first().textContent()).toMatch(/^v1 .*\(current\)/);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/admin-page.png', fullPage: true });

    const published = (await (await runtime.call('/v1/schedules/nurture', { admin: true })).json()) as {
      version: number;
      steps: { delay: string; window?: { days: number[]; hours: { from: number; to: number } } }[];
    };
    expect(published.version).toBe(1);
    expect(published.steps[1]?.delay).toBe('2d');
    expect(published.steps[0]?.window).toEqual({ days: [1, 2, 3, 5], hours: { from: 9, to: 17 } });
    // Shown again as it was typed.
    expect(await windowOfStep(0).inputValue()).toBe('1-3,5 9-17');
  });
});
