import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';

let runtime: RunningRuntime;
let browser: Browser;
let page: Page;
let contactId: string;

interface TemplateView {
  version: number;
  subject: string;
  body: string;
}

const template = async (name: string) =>
  (await (await runtime.call(`/v1/templates/${name}`, { admin: true })).json()) as TemplateView;

beforeAll(async () => {
  [runtime, browser] = await Promise.all([
    startRuntime({ env: { ...journeyEnv, LEADFLOW_TEST_SEND_DOMAINS: 'example.com' } }),
    launchChromium(),
  ]);
  await runtime.call('/v1/contacts', {
    method: 'POST',
    json: { email: 'zuzana@example.com', firstName: 'Zuzana', consent: true },
  });
  await runtime.settle();
  const found = (await (
    await runtime.call('/v1/contacts?email=zuzana@example.com', { admin: true })
  ).json()) as {
    items: { contactId: string }[];
  };
  contactId = found.items[0]?.contactId ?? '';
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  // A step that never comes fails naming what it waited for, inside the test's own time.
  page.setDefaultTimeout(10_000);
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const textOf = (selector: string) => page.locator(selector).textContent();
const versionShown = (version: number) =>
  page.waitForFunction(
    (expected) => document.getElementById('template-version')?.textContent === expected,
    `version ${version}`,
  );

describe('the template editor', () => {
  it('refuses a Liquid error by its line, previews for a contact, test-sends, then publishes', async () => {
    const before = await template('nurture-how-to');
    expect(before.version).toBe(0);

    await page.goto(`${runtime.url}/admin`);
    await page.fill('#token', runtime.adminToken);
    await page.click('#sign-in button[type="submit"]');

    // The schedule names each step's template by its description and links to it.
    const howTo = page
      .locator('#steps tr')
      .filter({ has: page.locator('option:checked[value="nurture-how-to"]') });
    expect(await howTo.locator('option:checked').textContent()).toBe(
      'nurture-how-to — Nurture 3: how to score leads without a data team',
    );
    await howTo.locator('.edit-template').click();
    await page.waitForFunction(
      () => document.getElementById('template-title')?.textContent === 'nurture-how-to',
    );
    await versionShown(0);
    expect(await page.locator('#template-kind').isDisabled()).toBe(true);

    // An unknown variable on a line well into the body.
    const lines = before.body.split('\n');
    const at = lines.findIndex((line) => line.includes('{{ site_url }}/guides/lead-scoring'));
    expect(at).toBeGreaterThan(2);
    lines[at] = lines[at]?.replace('{{ site_url }}', '{{ nope }}') ?? '';
    await page.fill('#template-body', lines.join('\n'));
    await page.click('#template-publish');
    const bodyIssue = page.locator('[data-issue="body"]');
    // The first publish is the templates function's first render: under a loaded CI machine its
    // cold start (Liquid and MJML loaded on demand) can outlast the per-step default.
    await bodyIssue.getByText(`line ${at + 1}:`).waitFor({ timeout: 30_000 });
    expect(await bodyIssue.textContent()).toMatch(new RegExp(`^line ${at + 1}: unknown variable nope`));
    expect(await page.getAttribute('#template-body', 'aria-invalid')).toBe('true');
    expect((await template('nurture-how-to')).version).toBe(0);

    await page.fill('#template-body', before.body);
    await page.fill('#template-subject', '{{ first_name | default: "Hi" }}, score leads without a data team');
    await page.fill('#preview-contact', contactId);
    await page.click('#template-preview');
    await page.frameLocator('#preview-frame').getByText('Hi Zuzana,').waitFor();
    expect(await textOf('[data-issue="body"]')).toBe('');
    expect(await page.getAttribute('#template-body', 'aria-invalid')).toBeNull();
    expect(await textOf('#preview-subject')).toBe('Zuzana, score leads without a data team');
    expect(await textOf('#preview-text')).toMatch(/^Hi Zuzana,/);
    await page.click('#width-mobile');
    // The email lays out in the frame's own viewport: a phone's width.
    expect(await page.$eval('#preview-frame', (frame) => frame.clientWidth)).toBe(375);

    await page.fill('#test-to', 'marketer@example.com');
    await page.click('#test-send');
    await page.getByText('Test sent to marketer@example.com').waitFor();
    const tests = (await runtime.outbox()).filter((message) => message.to === 'marketer@example.com');
    expect(tests).toHaveLength(1);
    expect(tests[0]?.subject).toBe('[Test] Zuzana, score leads without a data team');

    await page.click('#template-publish');
    await versionShown(1);
    const after = await template('nurture-how-to');
    expect(after.version).toBe(before.version + 1);
    expect(after.subject).toBe('{{ first_name | default: "Hi" }}, score leads without a data team');
    await page.waitForFunction(() =>
      document.querySelector('#template-versions li')?.textContent?.startsWith('v1 '),
    );
    expect(await page.locator('#template-versions li').first().textContent()).toMatch(/\(current\)$/);
    expect(await page.locator('#template-list a[aria-current="true"]').textContent()).toMatch(/v1/);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/template-editor.png', fullPage: true });
  }, 90_000);

  it('says so when someone else published first, and rolls back to an older version', async () => {
    const loaded = await template('nurture-how-to');
    // Another marketer publishes behind this page's back.
    const elsewhere = await runtime.call('/v1/templates/nurture-how-to', {
      method: 'PUT',
      admin: true,
      headers: { 'if-match': `"${loaded.version}"` },
      json: { ...loaded, subject: 'Published elsewhere' },
    });
    expect(elsewhere.status).toBe(200);

    await page.fill('#template-preheader', 'Mine');
    await page.click('#template-publish');
    await page.locator('#template-conflict').getByText('the current version is 2').waitFor();
    expect((await template('nurture-how-to')).subject).toBe('Published elsewhere');

    await page.click('#template-reload');
    await versionShown(2);
    expect(await page.inputValue('#template-subject')).toBe('Published elsewhere');
    expect(await page.isHidden('#template-conflict')).toBe(true);

    await page.locator('#template-versions li', { hasText: /^v0 / }).getByRole('button').click();
    await versionShown(3);
    const rolledBack = await template('nurture-how-to');
    expect(rolledBack.version).toBe(3);
    expect(rolledBack.subject).toBe('How to score leads without a data team');
    expect(await page.inputValue('#template-subject')).toBe('How to score leads without a data team');
  });
});
