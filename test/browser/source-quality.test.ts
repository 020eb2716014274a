import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/chromium.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { contactIdFor } from '../support/table-keys.js';

let runtime: RunningRuntime;
let browser: Browser;
let page: Page;

const submit = async (fields: Record<string, unknown>) => {
  await runtime.call('/v1/contacts', { method: 'POST', json: { consent: true, ...fields } });
  await runtime.settle();
  return (await contactIdFor(runtime, String(fields.email))) ?? '';
};

const event = async (contactId: string, type: string) => {
  await runtime.call(`/v1/contacts/${contactId}/events`, { method: 'POST', admin: true, json: { type } });
  await runtime.settle();
};

beforeAll(async () => {
  [runtime, browser] = await Promise.all([startRuntime({ env: journeyEnv }), launchChromium()]);
  const buyer = await submit({
    email: 'buyer@example.com',
    buyingStage: 'ready_to_talk',
    source: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
  });
  await event(buyer, 'sales_accepted');
  await event(buyer, 'won');
  await submit({
    email: 'browsing@example.com',
    source: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'summer' },
  });
  await submit({ email: 'direct@example.com' });
  const rejected = await submit({
    email: 'rejected@example.com',
    buyingStage: 'ready_to_talk',
    source: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'spring' },
  });
  await event(rejected, 'sales_rejected');
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.setDefaultTimeout(10_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

const tableRows = () =>
  page.$$eval('#sources-rows tr, #sources-total tr', (rows) =>
    rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)),
  );

/** What Chart.js holds for the canvas: its labels and each dataset's numbers. */
const chartData = () =>
  page.evaluate(() => {
    const { Chart } = window as unknown as {
      Chart: {
        getChart(
          id: string,
        ): { data: { labels: string[]; datasets: { label: string; data: number[] }[] } } | undefined;
      };
    };
    const chart = Chart.getChart('sources-chart');
    return chart
      ? { labels: chart.data.labels, datasets: chart.data.datasets.map((set) => [set.label, set.data]) }
      : undefined;
  });

/** Pixels the chart painted: a canvas left blank has none. */
const paintedPixels = () =>
  page.evaluate(() => {
    const canvas = document.getElementById('sources-chart') as HTMLCanvasElement;
    const pixels = canvas.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let painted = 0;
    for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
    return painted;
  });

describe('the Sources tab', () => {
  it('charts and tabulates, per channel, the share of contacts reaching each stage', async () => {
    await page.goto(`${runtime.url}/admin`);
    await page.fill('#token', runtime.adminToken);
    await page.click('#sign-in button[type="submit"]');
    await page.click('#tab-sources');
    await page.waitForSelector('#sources-rows tr td');

    expect(page.url()).toMatch(/#sources$/);
    expect(await page.textContent('#sources-basis')).toMatch(/first touch/);
    expect(await tableRows()).toEqual([
      ['paid_search', '2', '1 · 50 %', '1 · 50 %', '1 · 50 %', '1 · 50 %'],
      ['direct', '1', '0 · 0 %', '0 · 0 %', '0 · 0 %', '0 · 0 %'],
      ['email', '1', '1 · 100 %', '1 · 100 %', '0 · 0 %', '0 · 0 %'],
      ['All contacts', '4', '2 · 50 %', '2 · 50 %', '1 · 25 %', '1 · 25 %'],
    ]);
    expect(await chartData()).toEqual({
      labels: ['paid_search', 'direct', 'email'],
      datasets: [
        ['% reaching lead', [50, 0, 100]],
        ['% reaching sales lead', [50, 0, 100]],
        ['% reaching opportunity', [50, 0, 0]],
        ['% reaching customer', [50, 0, 0]],
      ],
    });
    expect(await paintedPixels()).toBeGreaterThan(1000);
    mkdirSync('test-results', { recursive: true });
    await page.screenshot({ path: 'test-results/source-quality.png', fullPage: true });
  });

  it('switches the dimension without asking the API again', async () => {
    let requests = 0;
    page.on('request', (request) => {
      if (request.url().includes('/v1/reports/sources')) requests++;
    });
    await page.selectOption('#sources-dimension', 'utm_campaign');

    expect(await page.textContent('#sources-value-heading')).toBe('UTM campaign');
    expect(await tableRows()).toEqual([
      ['spring', '2', '2 · 100 %', '2 · 100 %', '1 · 50 %', '1 · 50 %'],
      ['(none)', '1', '0 · 0 %', '0 · 0 %', '0 · 0 %', '0 · 0 %'],
      ['summer', '1', '0 · 0 %', '0 · 0 %', '0 · 0 %', '0 · 0 %'],
      ['All contacts', '4', '2 · 50 %', '2 · 50 %', '1 · 25 %', '1 · 25 %'],
    ]);
    expect((await chartData())?.labels).toEqual(['spring', '(none)', 'summer']);
    expect(requests).toBe(0);
  });

  it('shows a period the API refuses next to the field it names, and an empty one as empty', async () => {
    await page.fill('#sources-from', '2026-05');
    await page.fill('#sources-to', '2026-04');
    await page.click('#sources-period button[type="submit"]');
    await page.waitForFunction(
      () => document.querySelector('#sources-period [data-issue="to"]')?.textContent !== '',
    );
    expect(await page.textContent('#sources-period [data-issue="to"]')).toMatch(/before from/);

    await page.fill('#sources-from', '2020-01');
    await page.fill('#sources-to', '2020-12');
    await page.click('#sources-period button[type="submit"]');
    await page.waitForFunction(() =>
      document.getElementById('sources-rows')?.textContent?.includes('No contacts'),
    );
    expect(await page.textContent('#sources-period [data-issue="to"]')).toBe('');
    expect((await chartData())?.labels).toEqual([]);
  });
});
