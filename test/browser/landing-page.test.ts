import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableKeys } from '../support/table-keys.js';

let runtime: RunningRuntime;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [runtime, browser] = await Promise.all([startRuntime(), launchChromium()]);
});

beforeEach(async () => {
  page = await browser.newPage();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

describe('the landing page', () => {
  it('turns a filled form into a contact with its attribution and shows the thank-you page', async () => {
    await page.goto(`${runtime.url}/?utm_source=newsletter&utm_medium=email&utm_campaign=spring`);
    await page.fill('#email', 'Priya.Shah@Example.com');
    await page.fill('#firstName', 'Priya');
    await page.fill('#company', 'Hooli');
    await page.selectOption('#buyingStage', 'comparing');
    await page.check('#consent');
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/landing-page.png', fullPage: true });

    await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type="submit"]')]);

    await expect(page.locator('h1').textContent()).resolves.toBe('Thank you!');
    const thanks = await page.textContent('main');
    expect(thanks).toMatch(/email with your copy of The 2027 Pipeline Report is on its way/);
    // Double opt-in here: the same email carries the confirmation link.
    expect(thanks).toMatch(/the same email has a link to confirm/);
    expect(thanks).not.toMatch(/sales/);
    const contactId = (await contactIdFor(runtime, 'Priya.Shah@Example.com')) ?? '';
    const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      email: 'Priya.Shah@Example.com',
      firstName: 'Priya',
      company: 'Hooli',
      stage: 'name',
      buyingStage: 'comparing',
      // Double opt-in: marketing waits for the link in the one email sent.
      consent: { marketing: false, pending: expect.objectContaining({ at: expect.any(String) }) },
      attribution: {
        first: {
          where: {
            channel: 'email',
            utm_source: 'newsletter',
            utm_medium: 'email',
            utm_campaign: 'spring',
            landingPage: `${runtime.url}/`,
          },
          what: { kind: 'form', form: 'landing-demo' },
          why: { offer: { type: 'ebook', id: 'pipeline-report-2027' } },
        },
      },
    });
    await runtime.settle();
    const sent = (await runtime.outbox()).filter((mail) => mail.contactId === contactId);
    expect(sent.map((mail) => [mail.track, mail.subject])).toEqual([
      ['transactional', 'Your copy of The 2027 Pipeline Report'],
    ]);
  });

  it('shows an invalid address next to its field and creates nothing', async () => {
    await page.goto(`${runtime.url}/`);
    // The earlier test's contact is still on its journey: let it settle before the snapshot. The
    // per-client counter of this minute exists already (the earlier post made it), so a refused
    // post adds no item.
    await runtime.settle();
    const before = await tableKeys(runtime);
    await page.fill('#email', 'not-an-address');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });

    const answered = page.waitForResponse((response) => response.url().endsWith('/v1/contacts'));
    await page.click('button[type="submit"]');

    expect((await answered).status()).toBe(400);
    await page.waitForFunction(() => document.getElementById('email-error')?.textContent !== '');
    expect(await page.textContent('#email-error')).toMatch(/must be a valid email address/);
    expect(await page.getAttribute('#email', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('email');
    expect(navigations).toEqual([]);
    expect(new URL(page.url()).pathname).toBe('/');
    await runtime.settle();
    expect(await tableKeys(runtime)).toEqual(before);
  });

  it('tells a visitor ready to talk that sales will call, and asks no confirmation of one who did not opt in', async () => {
    await page.goto(`${runtime.url}/`);
    await page.fill('#email', 'ready.now@example.com');
    await page.selectOption('#buyingStage', 'ready_to_talk');

    await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type="submit"]')]);

    const thanks = await page.textContent('main');
    expect(thanks).toMatch(/Someone from our sales team will be in touch/);
    expect(thanks).toMatch(/email with your copy of The 2027 Pipeline Report is on its way/);
    expect(thanks).not.toMatch(/confirm/i);
  });

  it('says the same for an address we know as for a new one', async () => {
    const thanksFor = async (email: string) => {
      await page.goto(`${runtime.url}/`);
      await page.fill('#email', email);
      await page.check('#consent');
      await Promise.all([page.waitForURL(/\/thanks$/), page.click('button[type="submit"]')]);
      return page.textContent('main');
    };

    const first = await thanksFor('known.twice@example.com');
    await runtime.settle();
    const again = await thanksFor('known.twice@example.com');
    const stranger = await thanksFor('never.seen@example.com');

    expect(again).toBe(first);
    expect(stranger).toBe(first);
  });

  it('still posts without JavaScript, and the intake answers 202 with a submission id and what happens next', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const plain = await context.newPage();
      await plain.goto(`${runtime.url}/`);
      await plain.fill('#email', 'no-script@example.com');

      const [response] = await Promise.all([
        plain.waitForResponse((r) => r.url().endsWith('/v1/contacts')),
        plain.click('button[type="submit"]'),
      ]);

      expect(response.status()).toBe(202);
      expect(Object.keys(await response.json())).toEqual(['submissionId', 'next']);
      const contactId = (await contactIdFor(runtime, 'no-script@example.com')) ?? '';
      const contact = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
      expect(await contact.json()).toMatchObject({
        email: 'no-script@example.com',
        consent: { marketing: false },
        attribution: {
          first: {
            what: { kind: 'form', form: 'landing-demo' },
            why: { offer: { type: 'ebook', id: 'pipeline-report-2027' } },
          },
        },
      });
    } finally {
      await context.close();
    }
  });
});
