import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs } from '../support/admin-session.js';
import { launchChromium } from '../support/chromium.js';
import { sendContactEvent } from '../support/emulated-aws.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { passwordOf, writeLocalUsers } from '../support/local-users.js';
import { contactIdFor } from '../support/table-keys.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-sales-workspace-'));
let runtime: RunningRuntime;
let browser: Browser;
let page: Page;
const ids = new Map<string, string>();

interface StageChange {
  from: string;
  to: string;
  reason: string;
  by?: string;
  decisionReason?: string;
}

/** Posts a lead as a landing page would, and keeps its contact id by first name. */
const lead = async (fields: Record<string, unknown>) => {
  const response = await runtime.call('/v1/contacts', { method: 'POST', json: fields });
  expect(response.status).toBe(202);
  await runtime.settle();
  const contactId = await contactIdFor(runtime, String(fields.email));
  if (!contactId) throw new Error(`no contact for ${String(fields.email)}`);
  ids.set(String(fields.firstName), contactId);
  return contactId;
};

const idOf = (firstName: string) => ids.get(firstName) ?? '';

const historyOf = async (firstName: string): Promise<StageChange[]> => {
  const response = await runtime.call(`/v1/contacts/${idOf(firstName)}`, { admin: true });
  return ((await response.json()) as { stageHistory?: StageChange[] }).stageHistory ?? [];
};

const queueRow = (firstName: string) => page.locator(`#queue-rows tr[data-contact-id="${idOf(firstName)}"]`);

beforeAll(async () => {
  writeLocalUsers(dataDir);
  [runtime, browser] = await Promise.all([startRuntime({ dataDir, env: journeyEnv }), launchChromium()]);
  const nora = await lead({
    email: 'nora.nightingale@example.com',
    firstName: 'Nora',
    lastName: 'Nightingale',
    company: 'Umbrella Labs',
    consent: true,
    offer: { type: 'webinar', id: 'lead-scoring-webinar' },
    source: { channel: 'organic_search', utm_campaign: 'spring-webinar' },
  });
  // A click on one of her emails: engagement, a stage move with its reason.
  await sendContactEvent(runtime, nora, 'engaged');
  for (const [firstName, company] of [
    ['Ada', 'Acme Corp'],
    ['Rex', 'Globex'],
    ['Sam', 'Initech'],
  ] as const) {
    await lead({
      email: `${firstName.toLowerCase()}@${company.split(' ')[0]?.toLowerCase()}.example`,
      firstName,
      lastName: 'Buyer',
      company,
      consent: true,
      buyingStage: 'ready_to_talk',
      source: { channel: 'referral' },
    });
  }
  page = await signInAs(browser, runtime, 'sales');
  mkdirSync('test-results', { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the sales workspace', () => {
  it('finds a contact by name and shows its stage history, touches and emails', async () => {
    await page.click('#tab-contacts');
    await page.waitForSelector('#contact-rows tr');
    await page.fill('#contact-q', 'nightingale');
    await page.click('#contact-filters button[type="submit"]');
    await page.waitForFunction(() => document.querySelectorAll('#contact-rows tr').length === 1);
    const row = page.locator('#contact-rows tr').first();
    expect(await row.textContent()).toMatch(
      /Nora Nightingale.*nora\.nightingale@example\.com.*Umbrella Labs/,
    );
    await page.screenshot({ path: 'test-results/sales-contacts.png', fullPage: true });

    await row.locator('td').nth(1).click();
    await page.waitForURL(new RegExp(`#contact/${idOf('Nora')}$`));
    await page.waitForFunction(
      () => document.getElementById('contact-title')?.textContent === 'Nora Nightingale',
    );
    expect(await page.textContent('#contact-stage-now')).toBe('engagement');
    const history = await page.locator('#contact-history tr').first().textContent();
    expect(history).toMatch(/name.*engagement.*engaged/);
    const touch = await page.locator('#contact-touches tr').first().textContent();
    expect(touch).toContain('organic_search');
    expect(touch).toContain('spring-webinar');
    expect(touch).toContain('lead-scoring-webinar');
    // Her welcome went out, and the local SES reported it delivered.
    const emails = await page.locator('#contact-emails').textContent();
    expect(emails).toMatch(/nurture.*welcome.*delivered/);
    expect(await page.locator('#contact-consents tr').count()).toBeGreaterThan(0);
    // Why she scores what she does: where, what, why and the click, cause by cause.
    expect(await page.textContent('#contact-score-summary')).toMatch(/^Score 35 /);
    const causes = await page.locator('#contact-score-causes tr').allTextContents();
    expect(causes).toEqual([
      expect.stringMatching(/^where.*organic_search \(spring-webinar\).*10/),
      expect.stringMatching(/^what.*form.*0/),
      expect.stringMatching(/^why.*webinar.*15/),
      expect.stringMatching(/^engagement.*clicked a link in an email ×1.*10/),
    ]);
    // example.com is a free-mail domain: the default fit rule wants a work address.
    expect(await page.textContent('#contact-fit')).toBe('Fit: no fit rule matches yet');
    // Sales does not erase: that is for the admin group.
    expect(await page.isVisible('#erase-start')).toBe(false);
    await page.screenshot({ path: 'test-results/sales-contact.png', fullPage: true });
  });

  it('opens the contact from the sales inbox email, through sign-in, on its page', async () => {
    const mails = (await runtime.outbox()).filter((mail) => mail.to === 'sales@leadflow.example');
    const links = await Promise.all(
      mails.map(async (mail) => {
        const html = String((await simpleParser(await readFile(mail.path))).html);
        return /href="([^"]*#contact\/[^"]*)"/.exec(html)?.[1]?.replaceAll('&amp;', '&');
      }),
    );
    const link = links.find((href) => href?.endsWith(`#contact/${idOf('Sam')}`));
    expect(link).toBe(`${runtime.url}/admin#contact/${idOf('Sam')}`);

    // A new tab holds no sign-in: the link leads through it and back to the contact.
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    fresh.setDefaultTimeout(10_000);
    await fresh.goto(link ?? '');
    await Promise.all([fresh.waitForURL(/\/_local\/idp\/oauth2\/authorize/), fresh.click('#sign-in-user')]);
    await fresh.fill('#username', 'sales');
    await fresh.fill('#password', passwordOf('sales'));
    await Promise.all([fresh.waitForURL(/\/admin#contact\//), fresh.click('button[type="submit"]')]);
    await fresh.waitForFunction(() => document.getElementById('contact-title')?.textContent === 'Sam Buyer');
    expect(fresh.url()).toBe(link);
    await fresh.close();
  });

  it('accepts a lead from the queue: it leaves the queue and is an opportunity decided by its user', async () => {
    await page.click('#tab-queue');
    await queueRow('Ada').waitFor();
    expect(await page.locator('#queue-rows tr').count()).toBe(3);
    expect(await queueRow('Ada').textContent()).toMatch(/Ada Buyer.*Acme Corp.*5d 0h left/);
    await page.screenshot({ path: 'test-results/sales-queue.png', fullPage: true });

    await queueRow('Ada').locator('[data-decision="sales_accepted"]').click();
    await queueRow('Ada').waitFor({ state: 'detached' });
    expect(await page.locator('#queue-rows tr').count()).toBe(2);

    await page.goto(`${runtime.url}/admin#contact/${idOf('Ada')}`);
    await page.waitForFunction(
      () => document.getElementById('contact-stage-now')?.textContent === 'opportunity',
    );
    const latest = await page.locator('#contact-history tr').first().textContent();
    expect(latest).toMatch(/sales lead.*opportunity.*sales accepted.*sales@example\.com/);
    // Only what fits an opportunity is offered now.
    expect(await page.isVisible('#contact-decisions [data-decision="won"]')).toBe(true);
    expect(await page.isVisible('#contact-decisions [data-decision="sales_accepted"]')).toBe(false);
    await page.screenshot({ path: 'test-results/sales-accepted.png', fullPage: true });
  });

  it('rejects a lead with a reason, and the reason is kept', async () => {
    await page.click('#tab-queue');
    await queueRow('Rex').waitFor();
    // No reason, no rejection.
    await queueRow('Rex').locator('[data-decision="sales_rejected"]').click();
    await queueRow('Rex').getByText('Choose a reason').waitFor();

    await queueRow('Rex').locator('select').selectOption('no_budget');
    await queueRow('Rex').locator('[data-decision="sales_rejected"]').click();
    await queueRow('Rex').waitFor({ state: 'detached' });

    expect((await historyOf('Rex')).at(-1)).toMatchObject({
      from: 'sales_lead',
      to: 'recycled',
      reason: 'sales rejected',
      by: 'sales@example.com',
      decisionReason: 'no_budget',
    });
    await page.goto(`${runtime.url}/admin#contact/${idOf('Rex')}`);
    await page.waitForFunction(
      () => document.getElementById('contact-stage-now')?.textContent === 'recycled',
    );
    expect(await page.locator('#contact-history tr').first().textContent()).toMatch(
      /sales rejected · No budget.*sales@example\.com/,
    );
  });

  it('says clearly when a decision no longer fits because someone else decided first', async () => {
    await page.goto(`${runtime.url}/admin#contact/${idOf('Sam')}`);
    await page.waitForFunction(
      () => document.getElementById('contact-stage-now')?.textContent === 'sales lead',
    );
    // Meanwhile a colleague accepts Sam.
    await sendContactEvent(runtime, idOf('Sam'), 'sales_accepted');

    await page.click('#contact-decisions [data-decision="sales_accepted"]');

    await page.waitForFunction(() => document.getElementById('contact-error')?.textContent !== '');
    expect(await page.textContent('#contact-error')).toMatch(
      /Not recorded: sales_accepted does not fit .*opportunity/,
    );
    expect(await page.textContent('#contact-stage-now')).toBe('opportunity');
    await page.screenshot({ path: 'test-results/sales-conflict.png', fullPage: true });
  });
});
