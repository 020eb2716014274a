import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableKeys } from '../support/table-keys.js';

let runtime: RunningRuntime;

beforeAll(async () => {
  // Many intakes from this one client: no per-client limit here (test/journeys/intake-rate.test.ts).
  runtime = await startRuntime({ env: journeyEnv });
});

afterAll(async () => {
  await runtime?.stop();
});

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
