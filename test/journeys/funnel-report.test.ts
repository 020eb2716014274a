import { describe, expect, it } from 'vitest';
import type { FunnelReport } from '../../functions/domain/funnel-report.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { parseMail, signUpWithLink } from '../support/mail-links.js';
import { contactIdFor } from '../support/table-keys.js';

const runtime = useRuntime({ env: journeyEnv });

const submit = (fields: Record<string, unknown>) => submitLead(runtime, { consent: true, ...fields });

const event = (contactId: string, type: string) =>
  runtime.call(`/v1/contacts/${contactId}/events`, { method: 'POST', admin: true, json: { type } });

const report = async (query = '') => {
  const response = await runtime.call(`/v1/reports/funnel${query}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as FunnelReport;
};

describe('GET /v1/reports/funnel', () => {
  it('counts contacts per stage and the period’s conversions, by source channel', async () => {
    await submit({ email: 'search@example.com', source: { utm_source: 'google', utm_medium: 'cpc' } });
    const direct = await submit({ email: 'direct@example.com' });
    const buyer = await submit({
      email: 'buyer@example.com',
      buyingStage: 'ready_to_talk',
      offer: { type: 'white_paper', id: 'pipeline-report-2027' },
      source: { utm_source: 'newsletter', utm_medium: 'email' },
    });
    await runtime.settle();
    await event(buyer, 'sales_accepted');
    await runtime.settle();
    await event(buyer, 'won');
    await runtime.settle();
    await event(direct, 'engaged');
    await runtime.settle();

    const funnel = await report();

    const nonZero = Object.fromEntries(Object.entries(funnel.stages).filter(([, count]) => count > 0));
    expect(nonZero).toEqual({ name: 1, engagement: 1, customer: 1 });
    expect(Object.keys(funnel.stages).slice(0, 3)).toEqual(['awareness', 'name', 'engagement']);
    expect(funnel.stagesBySource.channel).toEqual({
      paid_search: { name: 1 },
      direct: { engagement: 1 },
      email: { customer: 1 },
    });
    expect(funnel.stagesBySource.offer).toEqual({
      '(none)': { name: 1, engagement: 1 },
      white_paper: { customer: 1 },
    });
    const conversion = Object.fromEntries(funnel.conversion.map((stage) => [stage.stage, stage]));
    expect(conversion.sales_lead).toMatchObject({ entered: 1, movedOn: { opportunity: 1 }, rate: 1 });
    expect(conversion.opportunity).toMatchObject({ entered: 1, movedOn: { customer: 1 }, rate: 1 });
    expect(conversion.name).toMatchObject({ entered: 2, movedOn: { engagement: 1 }, rate: 0.5 });
    expect(conversion.name?.bySource.channel).toEqual({
      paid_search: { entered: 1, movedOn: 0, exited: 0, recycled: 0, movedBack: 0 },
      direct: { entered: 1, movedOn: 1, exited: 0, recycled: 0, movedBack: 0 },
    });
  });

  it('reports an unsubscribe as an exit and a rejected sales lead as a recycle, never as conversions', async () => {
    const row = (funnel: FunnelReport, stage: string) =>
      funnel.conversion.find((entry) => entry.stage === stage);
    const before = await report();
    const leaver = await signUpWithLink(runtime, 'leaver@example.com', {
      source: { utm_source: 'google', utm_medium: 'cpc' },
    });
    const header = (await parseMail(leaver.welcome)).headerLines.find(
      (line) => line.key === 'list-unsubscribe',
    );
    const unsubscribe = new URL(/<(http[^>]+)>/.exec(header?.line ?? '')?.[1] ?? '');
    expect(
      (await runtime.call(`${unsubscribe.pathname}${unsubscribe.search}`, { method: 'POST' })).status,
    ).toBe(200);
    const rejected = await submitLead(runtime, {
      email: 'rejected@example.com',
      consent: true,
      buyingStage: 'ready_to_talk',
    });
    await event(rejected, 'sales_rejected');
    await runtime.settle();

    const after = await report();

    const name = { before: row(before, 'name'), after: row(after, 'name') };
    expect(name.after?.movedOn).toEqual(name.before?.movedOn);
    expect(name.after?.exited.unsubscribed ?? 0).toBe((name.before?.exited.unsubscribed ?? 0) + 1);
    expect(name.after?.bySource.channel?.paid_search?.exited).toBe(
      (name.before?.bySource.channel?.paid_search?.exited ?? 0) + 1,
    );
    const sales = { before: row(before, 'sales_lead'), after: row(after, 'sales_lead') };
    expect(sales.after?.movedOn).toEqual({ opportunity: 1 });
    expect(sales.after?.recycled).toBe((sales.before?.recycled ?? 0) + 1);
    expect(sales.after?.entered).toBe((sales.before?.entered ?? 0) + 1);
    expect(sales.after?.rate).toBe(Math.round((1 / (sales.after?.entered ?? 1)) * 1000) / 1000);
    expect(after.outcomes.converted).toBe(before.outcomes.converted);
    expect(after.outcomes.recycled).toBe(before.outcomes.recycled + 1);
    expect(after.outcomes.exited.unsubscribed ?? 0).toBe((before.outcomes.exited.unsubscribed ?? 0) + 1);
  });

  it('counts only the period asked for, exits and recycles included', async () => {
    const today = (await report()).period.to;
    const tomorrow = new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10);
    const ahead = await report(`?from=${tomorrow}&to=${tomorrow}`);
    expect(ahead.conversion).toEqual([]);
    expect(ahead.outcomes).toEqual({ converted: 0, exited: {}, recycled: 0, movedBack: 0 });
    const day = await report(`?from=${today}&to=${today}`);
    expect(day.outcomes.recycled).toBeGreaterThanOrEqual(1);
    expect(day.outcomes.exited.unsubscribed).toBeGreaterThanOrEqual(1);
  });

  it('takes an erased contact out of the current counts', async () => {
    const contactId = await submit({
      email: 'leaving@example.com',
      source: { utm_source: 'linkedin', utm_medium: 'social' },
    });
    await runtime.settle();
    const before = (await report()).stages.name ?? 0;

    await runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true });
    await runtime.settle();

    expect((await report()).stages.name ?? 0).toBe(before - 1);
  });

  it('reports nothing moved in a period before any contact came', async () => {
    const funnel = await report('?from=2020-01-01&to=2020-01-31');
    expect(funnel.conversion).toEqual([]);
    expect(funnel.outcomes).toEqual({ converted: 0, exited: {}, recycled: 0, movedBack: 0 });
    expect(funnel.period).toEqual({ from: '2020-01-01', to: '2020-01-31' });
  });

  it.each([
    ['?from=yesterday', 'from'],
    ['?from=2026-02-01&to=2026-01-01', 'to'],
    ['?from=2020-01-01&to=2026-01-01', 'from'],
  ])('refuses the period %s, naming the field', async (query, path) => {
    const response = await runtime.call(`/v1/reports/funnel${query}`, { admin: true });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { issues: { path: string }[] } };
    expect(error.issues.map((issue) => issue.path)).toContain(path);
  });

  it('needs the admin token', async () => {
    expect((await runtime.call('/v1/reports/funnel')).status).toBe(401);
  });
});

describe('outside strings as keys', () => {
  const pollutionKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

  it('keeps every pollution key as data through intake, journeys, the report and the schedules', async () => {
    for (const [index, key] of pollutionKeys.entries()) {
      const json = JSON.parse(
        JSON.stringify({
          email: `pollute-${index}@example.com`,
          firstName: key,
          company: key,
          form: key,
          offer: { type: key, id: key },
          buyingStage: key,
          consentText: key,
          source: { channel: key, utm_source: key, utm_medium: key, referrer: key, landingPage: key },
          fields: { [key]: key, timezone: key },
        }),
      );
      // Keys as JSON.parse makes them: own properties, `__proto__` included.
      const body = JSON.stringify(json).replace('"fields":{', `"${key}":"${key}","fields":{"${key}":1,`);
      const asJson = await runtime.call('/v1/contacts', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      expect(asJson.status).toBe(202);
      const form = new URLSearchParams({
        email: `pollute-form-${index}@example.com`,
        [key]: key,
        [`fields[${key}]`]: key,
        form: key,
        offerType: key,
        offerId: key,
        channel: key,
        utm_campaign: key,
      });
      const asForm = await runtime.call('/v1/contacts', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      expect(asForm.status).toBe(202);
    }
    await runtime.settle();
    await runtime.advance('3d');

    const funnel = await report();
    for (const key of pollutionKeys.filter((name) => name !== '__proto__')) {
      expect(Object.hasOwn(funnel.stagesBySource.form ?? {}, key)).toBe(true);
      expect(Object.hasOwn(funnel.stagesBySource.channel ?? {}, key.toLowerCase())).toBe(true);
    }
    expect(JSON.stringify(funnel.stagesBySource.form)).toContain('"__proto__":{');
    expect((await runtime.call('/v1/schedules', { admin: true })).status).toBe(200);
    const pollutedId = await contactIdFor(runtime, 'pollute-1@example.com');
    expect((await runtime.call(`/v1/contacts/${pollutedId}`, { admin: true })).status).toBe(200);

    const normal = await runtime.call('/v1/contacts', {
      method: 'POST',
      json: { email: 'after-pollution@example.com', firstName: 'Nora', consent: true },
    });
    expect(normal.status).toBe(202);
    await runtime.settle();
    const contactId = await contactIdFor(runtime, 'after-pollution@example.com');
    const view = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
    expect(await view.json()).toMatchObject({ firstName: 'Nora', stage: 'name' });
    const welcomes = (await runtime.outbox()).filter((mail) => mail.contactId === contactId);
    expect(welcomes.map((mail) => mail.step)).toEqual(['welcome']);
  });
});
