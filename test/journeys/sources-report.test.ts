import { describe, expect, it } from 'vitest';
import type { SourceReport } from '../../functions/domain/source-report.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

const runtime = useRuntime({ env: journeyEnv });

/** With consent and a company: a lead on a work address fits, so enough engagement makes it a lead. */
const submit = (fields: Record<string, unknown>) =>
  submitLead(runtime, { consent: true, company: 'Acme', jobTitle: 'Head of Marketing', ...fields });

const event = async (contactId: string, type: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
    method: 'POST',
    admin: true,
    json: { type },
  });
  expect(response.status).toBe(202);
  await runtime.settle();
};

const stageOf = async (contactId: string) =>
  ((await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as { stage: string })
    .stage;

const report = async (query = '') => {
  const response = await runtime.call(`/v1/reports/sources${query}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as SourceReport;
};

/** A dimension's rows as `value → [contacts, lead, sales_lead, opportunity, customer]`. */
const table = (answer: SourceReport, dimension: string) =>
  Object.fromEntries(
    (answer.dimensions.find((entry) => entry.dimension === dimension)?.rows ?? []).map((row) => [
      row.value,
      [row.contacts, row.reached.lead, row.reached.sales_lead, row.reached.opportunity, row.reached.customer],
    ]),
  );

describe('GET /v1/reports/sources', () => {
  let createdMonth = '';

  // Five journeys walked step by step: room for a busy machine.
  it('counts, per first-touch source, the contacts and how many ever reached each stage', async () => {
    // Paid search, spring campaign: one lead by engagement (33 + 10 ≥ 40; a named company on a
    // work address fits), one straight to sales, rejected.
    const lead = await submit({
      email: 'lead@acme.example',
      company: 'Acme',
      form: 'pricing',
      offer: { type: 'trial', id: 'trial' },
      source: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
    });
    await event(lead, 'engaged');
    const rejected = await submit({
      email: 'rejected@example.com',
      form: 'pricing',
      buyingStage: 'ready_to_talk',
      source: { utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
    });
    await event(rejected, 'sales_rejected');
    // Newsletter, autumn campaign: all the way to customer.
    const customer = await submit({
      email: 'customer@example.com',
      form: 'pricing',
      buyingStage: 'ready_to_talk',
      offer: { type: 'white_paper', id: 'report' },
      source: { utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'autumn' },
    });
    await event(customer, 'sales_accepted');
    await event(customer, 'won');
    // Direct, nothing more.
    await submit({ email: 'direct@example.com' });
    // LinkedIn, autumn: an opportunity lost, recycled, then ready to talk again — reached once each.
    const again = await submit({
      email: 'again@example.com',
      form: 'webinar-signup',
      buyingStage: 'ready_to_talk',
      offer: { type: 'webinar', id: 'q3' },
      source: { utm_source: 'linkedin', utm_medium: 'social', utm_campaign: 'autumn' },
    });
    await event(again, 'sales_accepted');
    await event(again, 'lost');
    await submit({ email: 'again@example.com', buyingStage: 'ready_to_talk' });

    expect(await stageOf(lead)).toBe('lead');
    expect(await stageOf(rejected)).toBe('recycled');
    expect(await stageOf(customer)).toBe('customer');
    expect(await stageOf(again)).toBe('sales_lead');

    const answer = await report();

    expect(answer.period).toEqual({ from: null, to: null });
    expect(answer.basis).toContain('first touch');
    expect(answer.dimensions.map((entry) => [entry.dimension, entry.describes])).toEqual([
      ['channel', 'where'],
      ['utm_source', 'where'],
      ['utm_campaign', 'where'],
      ['form', 'what'],
      ['offer', 'why'],
    ]);
    expect(answer.total).toEqual({
      contacts: 5,
      reached: { lead: 4, sales_lead: 3, opportunity: 2, customer: 1 },
      share: { lead: 0.8, sales_lead: 0.6, opportunity: 0.4, customer: 0.2 },
    });
    expect(table(answer, 'channel')).toEqual({
      paid_search: [2, 2, 1, 0, 0],
      email: [1, 1, 1, 1, 1],
      direct: [1, 0, 0, 0, 0],
      organic_social: [1, 1, 1, 1, 0],
    });
    expect(table(answer, 'utm_source')).toEqual({
      google: [2, 2, 1, 0, 0],
      newsletter: [1, 1, 1, 1, 1],
      linkedin: [1, 1, 1, 1, 0],
      '(none)': [1, 0, 0, 0, 0],
    });
    expect(table(answer, 'utm_campaign')).toEqual({
      autumn: [2, 2, 2, 2, 1],
      spring: [2, 2, 1, 0, 0],
      '(none)': [1, 0, 0, 0, 0],
    });
    expect(table(answer, 'form')).toEqual({
      pricing: [3, 3, 2, 1, 1],
      'webinar-signup': [1, 1, 1, 1, 0],
      '(none)': [1, 0, 0, 0, 0],
    });
    expect(table(answer, 'offer')).toEqual({
      '(none)': [2, 1, 1, 0, 0],
      trial: [1, 1, 0, 0, 0],
      white_paper: [1, 1, 1, 1, 1],
      webinar: [1, 1, 1, 1, 0],
    });
    const autumn = answer.dimensions[2]?.rows.find((row) => row.value === 'autumn');
    expect(autumn?.share).toEqual({ lead: 1, sales_lead: 1, opportunity: 1, customer: 0.5 });
    // Most contacts first.
    expect(answer.dimensions[3]?.rows[0]?.value).toBe('pricing');

    const created = (await (await runtime.call(`/v1/contacts/${lead}`, { admin: true })).json()) as {
      createdAt: string;
    };
    createdMonth = created.createdAt.slice(0, 7);
  }, 120_000);

  it('counts the contacts created in the months asked for', async () => {
    const month = await report(`?from=${createdMonth}&to=${createdMonth}`);
    expect(month.period).toEqual({ from: createdMonth, to: createdMonth });
    expect(month.total.contacts).toBe(5);

    const before = await report('?from=2020-01&to=2020-12');
    expect(before.total).toMatchObject({ contacts: 0, reached: { lead: 0, customer: 0 } });
    expect(before.dimensions.every((entry) => entry.rows.length === 0)).toBe(true);
  });

  it('keeps outside values as data, cut to a bounded length', async () => {
    const campaign = `c${'x'.repeat(150)}`;
    await submit({
      email: 'outside@example.com',
      form: '__proto__',
      source: { utm_source: 'constructor', utm_medium: 'cpc', utm_campaign: campaign },
    });

    const answer = await report();

    expect(table(answer, 'utm_campaign')[campaign.slice(0, 100)]).toEqual([1, 0, 0, 0, 0]);
    expect(table(answer, 'utm_source').constructor).toEqual([1, 0, 0, 0, 0]);
    expect(answer.dimensions[3]?.rows.map((row) => row.value)).toContain('__proto__');
    expect(answer.total.contacts).toBe(6);
  });

  it.each([
    ['?from=2026-13', 'from'],
    ['?from=2026-11-01', 'from'],
    ['?to=soon', 'to'],
    ['?from=2026-05&to=2026-04', 'to'],
  ])('refuses the period %s, naming the field', async (query, path) => {
    const response = await runtime.call(`/v1/reports/sources${query}`, { admin: true });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(error.issues.map((issue) => issue.path)).toEqual([path]);
  });

  it('needs a signed-in caller', async () => {
    expect((await runtime.call('/v1/reports/sources')).status).toBe(401);
  });
});
