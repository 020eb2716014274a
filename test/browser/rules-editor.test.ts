import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from '../support/admin-session.js';
import { launchChromium } from '../support/chromium.js';
import { sendContactEvent } from '../support/emulated-aws.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { writeLocalUsers } from '../support/local-users.js';
import { contactIdFor } from '../support/table-keys.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-rules-editor-'));
let runtime: RunningRuntime;
let browser: Browser;
const fitting: string[] = [];

const stageOf = async (contactId: string) =>
  ((await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as { stage: string })
    .stage;

beforeAll(async () => {
  writeLocalUsers(dataDir);
  [runtime, browser] = await Promise.all([startRuntime({ dataDir, env: journeyEnv }), launchChromium()]);
  // Three named companies on work addresses that engaged once: blog 8 + white paper 10 + click 10
  // = 28, targets under the lead threshold of 40.
  for (const name of ['ana', 'ben', 'cy']) {
    const email = `${name}@${name}-corp.example`;
    const response = await runtime.call('/v1/contacts', {
      method: 'POST',
      json: {
        email,
        company: `${name} corp`,
        consent: true,
        offer: { type: 'white_paper' },
        source: { channel: 'blog' },
      },
    });
    expect(response.status).toBe(202);
    await runtime.settle();
    const contactId = (await contactIdFor(runtime, email)) ?? '';
    await sendContactEvent(runtime, contactId, 'engaged');
    fitting.push(contactId);
  }
  for (const contactId of fitting) expect(await stageOf(contactId)).toBe('target');
  mkdirSync('test-results', { recursive: true });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const openRules = async (page: Page) => {
  await page.click('#tab-rules');
  await page.waitForFunction(() => document.getElementById('rules-version')?.textContent === 'version 0');
};

describe('the rules editor', () => {
  it('lets sales preview a change but not publish it', async () => {
    const page = await signInAs(browser, runtime, 'sales');
    await openRules(page);
    expect(await page.isVisible('#rules-publish')).toBe(false);
    await page.fill('#rules-lead', '25');
    await page.click('#rules-preview');
    await page.waitForSelector('#rules-preview-result table');
    expect(await page.textContent('#rules-preview-result')).toMatch(/target → lead\s*3/);
    await page.close();
  }, 60_000);

  it('shows an invalid threshold next to its field, then previews, publishes with a note, and moves the contacts', async () => {
    const page = await signInAs(browser, runtime, 'marketing');
    await openRules(page);
    expect(await page.inputValue('#rules-lead')).toBe('40');
    expect(await page.locator('#rules-offers tr').count()).toBeGreaterThan(5);
    expect(await page.locator('#rules-fit > li').count()).toBe(2);

    await page.fill('#rules-sales-lead', '20');
    await page.click('#rules-preview');
    await page.waitForFunction(
      () => document.getElementById('rules-sales-lead')?.getAttribute('aria-invalid') === 'true',
    );
    expect(await page.textContent('#rules-error')).toMatch(
      /thresholds\.salesLead must be above the lead threshold/,
    );

    await page.fill('#rules-sales-lead', '70');
    await page.fill('#rules-lead', '25');
    await page.click('#rules-preview');
    await page.waitForSelector('#rules-examples');
    expect(await page.getAttribute('#rules-sales-lead', 'aria-invalid')).toBeNull();
    expect(await page.textContent('#rules-preview-result')).toMatch(/target → lead\s*3/);
    expect(await page.locator('#rules-examples tbody tr').count()).toBe(3);
    expect(await page.locator('#rules-examples tbody tr').first().textContent()).toMatch(
      /corp.*target.*lead.*28.*28/,
    );
    // Looking changes nothing.
    for (const contactId of fitting) expect(await stageOf(contactId)).toBe('target');

    await page.fill('#rules-note', 'Lead at 25 for the spring push');
    await page.click('#rules-publish');
    await page.waitForFunction(() => document.getElementById('rules-version')?.textContent === 'version 1');
    await page.waitForFunction(() =>
      document.querySelector('#rules-versions li')?.textContent?.startsWith('v1 '),
    );
    expect(await page.locator('#rules-versions li').first().textContent()).toMatch(
      /^v1 .*by marketing@example\.com.*Lead at 25 for the spring push.*lead 25, sales lead 70 \(current\)/,
    );
    await page.screenshot({ path: 'test-results/rules-editor.png', fullPage: true });

    await runtime.settle();
    for (const contactId of fitting) expect(await stageOf(contactId)).toBe('lead');
    await page.close();
  }, 90_000);
});
