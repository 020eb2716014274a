import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableKeys } from '../support/table-keys.js';

// Many intakes from this one client: no per-client limit here (test/journeys/intake-rate.test.ts).
const runtime = useRuntime({ env: journeyEnv });

const post = (body: string, contentType = 'application/json') =>
  runtime.call('/v1/contacts', { method: 'POST', headers: { 'content-type': contentType }, body });

interface ContactView {
  contactId: string;
  email: string;
  stage: string;
  consent: { marketing: boolean };
  buyingStage?: string;
  touchCount: number;
  attribution: { first: { where: Record<string, string>; what: { form?: string }; why: unknown } };
  touches: unknown[];
}

const getContact = async (contactId: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as ContactView;
};

describe('POST /v1/contacts', () => {
  it('records a form post with its attribution, consent and buying stage', async () => {
    const form = new URLSearchParams({
      email: '  Lena.Fischer@Example.COM ',
      firstName: 'Lena',
      company: 'Globex',
      consent: 'true',
      buyingStage: 'comparing',
      form: 'pricing-page',
      offerType: 'ebook',
      offerId: 'funnel-guide',
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'spring',
      referrer: 'https://www.google.com/',
      landingPage: 'https://leadflow.example/pricing',
    });

    const response = await post(form.toString(), 'application/x-www-form-urlencoded');

    expect(response.status).toBe(202);
    const contact = await getContact((await contactIdFor(runtime, 'Lena.Fischer@Example.COM')) ?? '');
    expect(contact).toMatchObject({
      email: 'Lena.Fischer@Example.COM',
      stage: 'name',
      consent: { marketing: true },
      buyingStage: 'comparing',
      attribution: {
        first: {
          where: { channel: 'paid_search', utm_source: 'google', utm_medium: 'cpc', utm_campaign: 'spring' },
          what: { form: 'pricing-page' },
          why: { offer: { type: 'ebook', id: 'funnel-guide' } },
        },
      },
    });
  });

  it('makes exactly one contact of 50 concurrent intakes of one address, keeping every touch', async () => {
    const email = `rush-${Date.now()}@example.com`;

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        post(
          JSON.stringify({ email: i % 2 ? email.toUpperCase() : email, consent: true, form: `f${i}` }),
        ).then(async (response) => ({
          status: response.status,
          ...((await response.json()) as { submissionId: string }),
        })),
      ),
    );
    await runtime.settle();

    expect(answers.every((answer) => answer.status === 202)).toBe(true);
    expect(new Set(answers.map((answer) => answer.submissionId)).size).toBe(50);
    const contactId = (await contactIdFor(runtime, email)) ?? '';
    const contact = await getContact(contactId);
    expect(contact.touches).toHaveLength(50);
    const welcomes = ((await runtime.outbox()) ?? []).filter((mail) => mail.contactId === contactId);
    expect(welcomes.map((mail) => mail.step)).toEqual(['welcome']);
  });

  it('answers a filled honeypot 202 and stores nothing', async () => {
    const before = await tableKeys(runtime);

    const response = await post(JSON.stringify({ email: 'bot@example.com', website: 'http://spam.example' }));

    expect(response.status).toBe(202);
    expect(await tableKeys(runtime)).toEqual(before);
  });

  const oversized = JSON.stringify({ email: 'big@example.com', fields: { note: 'x'.repeat(17 * 1024) } });
  it.each([
    [
      'a missing email',
      JSON.stringify({ firstName: 'Ann' }),
      'application/json',
      400,
      'validation_failed',
      'email',
    ],
    [
      'a malformed email',
      JSON.stringify({ email: 'not-an-email' }),
      'application/json',
      400,
      'validation_failed',
      'email',
    ],
    [
      'a wrong type',
      JSON.stringify({ email: 'a@example.com', consent: 'maybe' }),
      'application/json',
      400,
      'validation_failed',
      'consent',
    ],
    [
      'CR/LF in a name',
      JSON.stringify({ email: 'a@example.com', firstName: 'Ann\r\nBcc: x@y.z' }),
      'application/json',
      400,
      'validation_failed',
      'firstName',
    ],
    [
      'a NUL character in a company',
      JSON.stringify({ email: 'a@example.com', company: 'Acme\u0000' }),
      'application/json',
      400,
      'validation_failed',
      'company',
    ],
    ['malformed JSON', '{"email": ', 'application/json', 400, 'malformed_json', undefined],
    ['another media type', 'email=a@example.com', 'text/plain', 415, 'unsupported_media_type', undefined],
    ['a body over 16 KB', oversized, 'application/json', 413, 'payload_too_large', undefined],
  ] as const)('refuses %s and changes nothing', async (_case, body, contentType, status, code, field) => {
    const before = await tableKeys(runtime);

    const response = await post(body, contentType);

    expect(response.status).toBe(status);
    const { error } = (await response.json()) as { error: { code: string; issues?: { path: string }[] } };
    expect(error.code).toBe(code);
    if (field !== undefined) expect(error.issues?.map((issue) => issue.path)).toContain(field);
    expect(await tableKeys(runtime)).toEqual(before);
  });
});

describe('what a submission is told will happen', () => {
  const next = async (fields: Record<string, unknown>) => {
    const response = await runtime.call('/v1/contacts', { method: 'POST', json: fields });
    expect(response.status).toBe(202);
    return ((await response.json()) as { next: unknown }).next;
  };

  it.each([
    [
      'an e-book the catalogue knows',
      { offerType: 'ebook', offerId: 'pipeline-report-2027' },
      { email: 'requested-content', title: 'The 2027 Pipeline Report', salesFollowUp: false },
    ],
    [
      'a webinar registration',
      { offerType: 'webinar', offerId: 'lead-scoring-webinar' },
      {
        email: 'webinar-registration',
        title: 'Lead scoring in practice (live webinar)',
        salesFollowUp: false,
      },
    ],
    [
      'an offer nobody configured',
      { offerType: 'ebook', offerId: 'not-configured' },
      { email: null, title: null },
    ],
    ['a demo request', { offerType: 'demo' }, { email: 'request-received', salesFollowUp: true }],
    ['a trial request', { offerType: 'trial' }, { email: 'request-received', salesFollowUp: false }],
    ['ready to talk', { buyingStage: 'ready_to_talk' }, { email: null, salesFollowUp: true }],
    // Single opt-in for every form in this suite: no confirmation to wait for.
    [
      'a newsletter sign-up',
      { offerType: 'newsletter', consent: true },
      { email: null, confirmation: false },
    ],
  ])('says so for %s, the same for a new address and a known one', async (_case, fields, expected) => {
    const email = `promise-${randomUUID()}@example.com`;

    const first = await next({ email, ...fields });
    await runtime.settle();
    const again = await next({ email, ...fields });

    expect(first).toMatchObject(expected);
    expect(again).toEqual(first);
    // A bot that filled the honeypot is told the same.
    expect(await next({ email, ...fields, website: 'http://spam.example' })).toEqual(first);
  });
});

describe('a demo request from paid search', () => {
  interface Mail {
    to: string;
    subject: string;
    track: string;
    contactId?: string;
    path: string;
  }
  const textOf = async (mail: Mail) => String((await simpleParser(await readFile(mail.path))).text);

  it('is handed to sales at once, says why, and the reply promises only that', async () => {
    const email = 'dana.demo@initech.example';
    const response = await runtime.call('/v1/contacts', {
      method: 'POST',
      json: {
        email,
        firstName: 'Dana',
        company: 'Initech',
        offerType: 'demo',
        buyingStage: 'comparing',
        source: { utm_source: 'google', utm_medium: 'cpc' },
      },
    });
    expect(response.status).toBe(202);
    await runtime.settle();
    const contactId = (await contactIdFor(runtime, email)) ?? '';

    const contact = (await getContact(contactId)) as ContactView & {
      stageHistory: { from: string; to: string; reason: string }[];
      handoffReason?: string;
    };
    expect(contact.stage).toBe('sales_lead');
    expect(contact.stageHistory).toEqual([
      expect.objectContaining({ from: 'name', to: 'sales_lead', reason: 'requested a demo' }),
    ]);
    expect(contact.handoffReason).toBe('requested a demo');
    const queue = (await (
      await runtime.call('/v1/contacts?stage=sales_lead&sort=oldest&limit=200', { admin: true })
    ).json()) as { items: { contactId: string; handoffReason?: string }[] };
    expect(queue.items.find((item) => item.contactId === contactId)?.handoffReason).toBe('requested a demo');

    const outbox = (await runtime.outbox()) as Mail[];
    const handoff = outbox.find((mail) => mail.track === 'handoff' && mail.subject.includes('Dana'));
    expect(handoff).toBeDefined();
    const handoffText = await textOf(handoff as Mail);
    expect(handoffText).toMatch(/because the lead requested a demo/);
    expect(handoffText).toMatch(/for a demo\./);
    const [reply] = outbox.filter((mail) => mail.contactId === contactId);
    const replyText = await textOf(reply as Mail);
    expect(replyText).toMatch(/Thanks for asking for a demo\. Someone from our team will be in touch/);
    expect(replyText).not.toMatch(/one business day/);
  });

  it('reads "an e-book" and "pricing" in good English in the handoff email', async () => {
    const email = 'pat.pricing@initech.example';
    await runtime.call('/v1/contacts', {
      method: 'POST',
      json: { email, firstName: 'Pat', company: 'Initech', offerType: 'pricing' },
    });
    await runtime.settle();
    const outbox = (await runtime.outbox()) as Mail[];
    const handoff = outbox.find((mail) => mail.track === 'handoff' && mail.subject.includes('Pat'));
    const text = await textOf(handoff as Mail);
    expect(text).toMatch(/because the lead requested pricing/);
    expect(text).toMatch(/for pricing\./);
  });

  it('keeps a trial request out of sales and promises no call', async () => {
    const email = 'terry.trial@initech.example';
    await runtime.call('/v1/contacts', {
      method: 'POST',
      json: { email, company: 'Initech', offerType: 'trial' },
    });
    await runtime.settle();
    const contactId = (await contactIdFor(runtime, email)) ?? '';

    expect((await getContact(contactId)).stage).toBe('name');
    const [reply] = ((await runtime.outbox()) as Mail[]).filter((mail) => mail.contactId === contactId);
    const text = await textOf(reply as Mail);
    expect(text).toMatch(/Thanks for asking for a trial\. Your request has reached us\./);
    expect(text).not.toMatch(/in touch/);
  });

  it('follows the rules: once marketing takes demo off the handoff offers, a demo request stays a name', async () => {
    const current = await runtime.call('/v1/rules', { admin: true });
    const rules = (await current.json()) as { handoffOffers: string[] };
    expect(rules.handoffOffers).toEqual(['demo', 'consultation', 'pricing']);
    const put = await runtime.call('/v1/rules', {
      method: 'PUT',
      admin: true,
      headers: { 'if-match': current.headers.get('etag') ?? '' },
      json: { ...rules, handoffOffers: ['consultation'] },
    });
    expect(put.status).toBe(202);
    await runtime.settle();

    const email = 'drew.demo@initech.example';
    const response = await runtime.call('/v1/contacts', {
      method: 'POST',
      json: { email, offerType: 'demo' },
    });
    expect(((await response.json()) as { next: { salesFollowUp: boolean } }).next.salesFollowUp).toBe(false);
    await runtime.settle();
    const contactId = (await contactIdFor(runtime, email)) ?? '';

    expect((await getContact(contactId)).stage).toBe('name');
    const [reply] = ((await runtime.outbox()) as Mail[]).filter((mail) => mail.contactId === contactId);
    expect(await textOf(reply as Mail)).not.toMatch(/in touch/);
  });
});

describe('GET /v1/contacts/{id}', () => {
  it('needs the admin token', async () => {
    await post(JSON.stringify({ email: 'private@example.com' }));
    const contactId = (await contactIdFor(runtime, 'private@example.com')) ?? '';

    expect((await runtime.call(`/v1/contacts/${contactId}`)).status).toBe(401);
    expect(
      (await runtime.call(`/v1/contacts/${contactId}`, { headers: { authorization: 'Bearer wrong' } }))
        .status,
    ).toBe(401);
    expect((await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).status).toBe(200);
  });

  it('answers 404 for an unknown contact', async () => {
    expect((await runtime.call('/v1/contacts/no-such-contact', { admin: true })).status).toBe(404);
  });
});

describe('a restart of the local runtime', () => {
  it('keeps the contacts and resumes their journeys', async () => {
    await post(JSON.stringify({ email: 'stays@example.com', consent: true }));
    await runtime.settle();
    const contactId = (await contactIdFor(runtime, 'stays@example.com')) ?? '';

    await runtime.restart();
    await runtime.advance('3d');

    expect((await getContact(contactId)).email).toBe('stays@example.com');
    const steps = (await runtime.outbox())
      .filter((mail) => mail.contactId === contactId)
      .map((mail) => mail.step);
    expect(steps).toEqual(['welcome', 'case-study']);
    // A restart starts DynamoDB Local's JVM again: room for a busy machine.
  }, 90_000);
});
