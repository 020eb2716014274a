import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { useRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableKeys } from '../support/table-keys.js';

// Hundreds of intakes from this one client: the per-client limit has its own suite.
const runtime = useRuntime({ env: { LEADFLOW_INTAKE_RATE: '0' } });

const post = (body: string, contentType: string) =>
  runtime.call('/v1/contacts', {
    method: 'POST',
    ...(contentType ? { headers: { 'content-type': contentType } } : {}),
    body,
  });

const findByEmail = async (email: string) => {
  const response = await runtime.call(`/v1/contacts?email=${encodeURIComponent(email)}`, { admin: true });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { contactId: string; email: string; firstName?: string }[] })
    .items;
};

const isErrorShape = (body: unknown): boolean => {
  const error = (body as { error?: unknown })?.error as
    | { code?: unknown; message?: unknown; issues?: unknown }
    | undefined;
  return (
    typeof error?.code === 'string' &&
    typeof error.message === 'string' &&
    Array.isArray(error.issues) &&
    error.issues.every(
      (issue: { path?: unknown; message?: unknown }) =>
        typeof issue.path === 'string' && typeof issue.message === 'string',
    )
  );
};

const pollutionKeys = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const knownFields = [
  'email',
  'firstName',
  'company',
  'phone',
  'consent',
  'form',
  'offer',
  'source',
  'fields',
];

/** Values an attacker sends: control characters, header injection, markup, huge text, wrong types. */
const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    'a@example.com\r\nBcc: victim@example.org',
    'x\u0000y',
    '\u001b[31mred',
    '<script>alert(1)</script>',
    '{{7*7}}',
    '../../etc/passwd',
    'URGENT: verify at https://evil.example/login',
    '\u202etxt.exe',
  ),
  fc.string({ minLength: 300, maxLength: 3000 }),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...pollutionKeys), fc.string({ maxLength: 8 })), hostileString, {
    maxKeys: 3,
  }),
);
const hostileObject = fc
  .tuple(
    fc.option(fc.constantFrom('victim@example.org', 'not-an-address', 'a@b', 'x@example.com\r\n'), {
      nil: undefined,
    }),
    fc.dictionary(
      fc.oneof(fc.constantFrom(...pollutionKeys, ...knownFields), fc.string({ maxLength: 12 })),
      hostileValue,
      { maxKeys: 6 },
    ),
  )
  .map(([email, rest]) => {
    // Written out as text so `__proto__` arrives as JSON.parse reads it: an own key.
    const pairs = Object.entries(rest).map(
      ([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)}`,
    );
    if (email !== undefined) pairs.push(`"email":${JSON.stringify(email)}`);
    return `{${pairs.join(',')}}`;
  });

const hostileRequest = fc.oneof(
  hostileObject.map((body) => ({ body, contentType: 'application/json' })),
  fc.jsonValue().map((value) => ({ body: JSON.stringify(value), contentType: 'application/json' })),
  fc
    .array(
      fc.tuple(fc.oneof(fc.constantFrom(...pollutionKeys, ...knownFields), fc.string()), hostileString),
      {
        maxLength: 6,
      },
    )
    .map((pairs) => ({
      body: new URLSearchParams([...pairs, ['email', 'victim@example.org\r\n']]).toString(),
      contentType: 'application/x-www-form-urlencoded',
    })),
  fc.string({ unit: 'binary', maxLength: 200 }).map((body) => ({ body, contentType: 'application/json' })),
  fc
    .tuple(
      fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data; boundary=x', ''),
      fc.string({ maxLength: 60 }),
    )
    .map(([contentType, body]) => ({ body: `{"email":"a@example.com"}${body}`, contentType })),
  fc.integer({ min: 17 * 1024, max: 40 * 1024 }).map((size) => ({
    body: `{"email":"big@example.com","company":"${'x'.repeat(size)}"}`,
    contentType: 'application/json',
  })),
);

describe('the intake under a hostile corpus', () => {
  it('answers every request with the contract’s error shape or 202, and a refusal writes nothing', async () => {
    const counts = { tried: 0, accepted: 0, refused: 0, wroteThoughRefused: 0 };
    let before = await tableKeys(runtime);

    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ body, contentType }) => {
        counts.tried++;
        const response = await post(body, contentType);
        const answer = (await response.json()) as unknown;
        if (response.status === 202) {
          counts.accepted++;
          expect(Object.keys(answer as object)).toEqual(['submissionId', 'next']);
          await runtime.settle();
          before = await tableKeys(runtime);
          return;
        }
        counts.refused++;
        expect([400, 413, 415]).toContain(response.status);
        expect(isErrorShape(answer)).toBe(true);
        const after = await tableKeys(runtime);
        if (after.join('\n') !== before.join('\n')) counts.wroteThoughRefused++;
        expect(after).toEqual(before);
      }),
      { numRuns: 600 },
    );

    console.log(`hostile corpus: ${JSON.stringify(counts)}`);
    expect(counts.tried).toBeGreaterThanOrEqual(500);
    expect(counts.refused).toBeGreaterThan(counts.tried / 2);
    // Hundreds of requests, each with a table snapshot: room for a busy machine.
  }, 90_000);
});

/** What real pages, ad tools and people send: every one of these is a lead to keep. */
const unusualAddresses = [
  'u@bücher.de',
  'Ünsal@müller.example',
  'josé.garcía@correo.es',
  'δοκιμή@παράδειγμα.δοκιμή',
  '用户@例子.广告',
  'пользователь@пример.рф',
  "o'brien@example.ie",
  'a&b=c/d#e!f%g@example.com',
  'user+tag@example.co.uk',
  '"john..doe"@example.com',
  'x_y-z~{w}@example.org',
  'UPPER.Case@Example.COM',
];

type Variant = (email: string, index: number) => { body: string; contentType: string };
const asJson =
  (extra: Record<string, unknown>): Variant =>
  (email) => ({ body: JSON.stringify({ email, ...extra }), contentType: 'application/json' });
const asForm =
  (extra: Record<string, string>): Variant =>
  (email) => ({
    body: new URLSearchParams({ email, ...extra }).toString(),
    contentType: 'application/x-www-form-urlencoded',
  });

const variants: Variant[] = [
  asJson({}),
  asJson({
    gclid: 'Cj0KCQ',
    fbclid: 'IwAR2',
    utm_id: '42',
    submit: 'Send',
    'g-recaptcha-response': 'x'.repeat(600),
  }),
  asJson({ phone: 'ext. 89', company: 'Acme\tCorp' }),
  asJson({ phone: '1-800-FLOWERS', firstName: null, lastName: null, company: null }),
  asJson({ offer: { type: 'whitepaper' }, source: { channel: 'Paid Search' } }),
  asJson({ offer: { type: 'Webinar', id: 'w-1' }, buyingStage: 'Ready-To-Talk' }),
  asJson({ offer: { type: 'Podcast Episode' }, source: { channel: 'tv', utm_source: null } }),
  asJson({ consent: 'yes', fields: { teamSize: 12, timezone: 'Europe/Berlin' } }),
  (email) => ({
    body: `\uFEFF${JSON.stringify({ email, firstName: 'Bom' })}`,
    contentType: 'application/json',
  }),
  asForm({ offerType: 'E-Book', utm_source: 'google', utm_medium: 'cpc', gclid: 'abc', submit: 'Download' }),
  asForm({ consent: 'on', 'fields[team]': 'blue', 'g-recaptcha-response': 'token', company: 'Ex\tample' }),
];

describe('valid but unusual leads', () => {
  it('accepts every one and finds it by its address', async () => {
    const cases = unusualAddresses.flatMap((address, a) =>
      variants.map((variant, v) => {
        // A sub-domain per case keeps each address its own contact.
        const at = address.lastIndexOf('@');
        const email = `${address.slice(0, at)}@c${a}-${v}.${address.slice(at + 1)}`;
        return { email, ...variant(email, a * variants.length + v) };
      }),
    );
    expect(cases.length).toBeGreaterThanOrEqual(100);

    const refused: string[] = [];
    for (const { body, contentType } of cases) {
      const response = await post(body, contentType);
      if (response.status !== 202)
        refused.push(`${response.status} ${body.slice(0, 80)} ${await response.text()}`);
    }
    await runtime.settle();
    const missing: string[] = [];
    for (const { email } of cases) {
      const items = await findByEmail(email);
      if (items.length !== 1 || items[0]?.email !== email.normalize('NFC')) missing.push(email);
    }

    console.log(
      `unusual corpus: ${JSON.stringify({ tried: cases.length, refused: refused.length, missing: missing.length })}`,
    );
    expect(refused).toEqual([]);
    expect(missing).toEqual([]);
  }, 90_000);

  it('finds an address however its case or domain is spelt', async () => {
    await post(JSON.stringify({ email: 'Kai@Bücher.de' }), 'application/json');
    const [found] = await findByEmail('kai@xn--bcher-kva.DE');
    expect(found?.email).toBe('Kai@Bücher.de');
    expect(await findByEmail('nobody-here@example.com')).toEqual([]);
  });
});

describe('nothing disclosed, nothing overwritten', () => {
  it('answers a new address, a known one and a honeypot hit alike', async () => {
    const answers: unknown[] = [];
    for (const body of [
      { email: 'same-answer@example.com', firstName: 'Ada' },
      { email: 'same-answer@example.com', firstName: 'Ada' },
      { email: 'same-answer@example.com', website: 'http://spam.example' },
    ]) {
      const response = await post(JSON.stringify(body), 'application/json');
      expect(response.status).toBe(202);
      const { submissionId, ...rest } = (await response.json()) as { submissionId: string };
      expect(submissionId).toEqual(expect.any(String));
      answers.push(rest);
    }
    // What will happen is told from the submission alone: the same for all three.
    const [first] = answers;
    expect(answers).toEqual([first, first, first]);
    expect(first).toEqual({ next: { email: null, title: null, confirmation: false, salesFollowUp: false } });
  });

  it('lets a resubmission fill blank fields but never replace a stored name, company, job title or phone', async () => {
    const email = 'keeps-profile@example.com';
    await post(
      JSON.stringify({ email, firstName: 'Grace', company: 'Navy', phone: '+1 555 0100' }),
      'application/json',
    );
    await post(
      JSON.stringify({
        email: email.toUpperCase(),
        firstName: 'URGENT: verify at evil.example',
        lastName: 'Hopper',
        company: 'Evil Inc',
        jobTitle: 'Rear Admiral',
        phone: '+1 555 6666',
      }),
      'application/json',
    );
    await runtime.settle();

    const contactId = await contactIdFor(runtime, email);
    const contact = await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json();
    expect(contact).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      company: 'Navy',
      jobTitle: 'Rear Admiral',
      phone: '+1 555 0100',
      touchCount: 2,
    });
  });
});
