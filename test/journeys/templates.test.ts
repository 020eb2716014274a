import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { EmailTemplate, RenderedEmail } from '../../functions/domain/email-template.js';
import type { Schedule } from '../../functions/domain/schedule.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, type OutboxItem, useRuntime } from '../support/local-runtime.js';
import { contactIdFor, tableItems, tableKeys } from '../support/table-keys.js';

// The admin token has no address of its own: test sends go to the staff domain.
const runtime = useRuntime({ env: { ...journeyEnv, LEADFLOW_TEST_SEND_DOMAINS: 'example.com' } });

interface ErrorBody {
  error: { code: string; issues: { path: string; message: string; line?: number }[] };
}

const footer = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n<p>{{ postal_address }}</p>';

const getTemplate = async (name: string) => {
  const response = await runtime.call(`/v1/templates/${name}`, { admin: true });
  expect(response.status).toBe(200);
  return { etag: response.headers.get('etag'), template: (await response.json()) as EmailTemplate };
};

const putTemplate = (name: string, body: unknown, ifMatch?: string) =>
  runtime.call(`/v1/templates/${name}`, {
    method: 'PUT',
    admin: true,
    json: body,
    ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
  });

/** Publishes `changes` over the current version of `name`, as the editor would. */
const publish = async (name: string, changes: Partial<EmailTemplate>) => {
  const { etag, template } = await getTemplate(name);
  const response = await putTemplate(name, { ...template, ...changes }, etag ?? '');
  expect(response.status).toBe(200);
  return (await response.json()) as EmailTemplate;
};

const versionsOf = async (name: string) =>
  (
    (await (await runtime.call(`/v1/templates/${name}/versions`, { admin: true })).json()) as {
      versions: EmailTemplate[];
    }
  ).versions;

const preview = async (name: string, body: Record<string, unknown>) => {
  const response = await runtime.call(`/v1/templates/${name}/preview`, {
    method: 'POST',
    admin: true,
    json: body,
  });
  expect(response.status).toBe(200);
  return (await response.json()) as RenderedEmail & { version: number };
};

const submit = (body: Record<string, unknown>) => submitLead(runtime, body);

const address = (label: string) => `${label}.${randomUUID()}@example.com`;

const mailTo = async (email: string): Promise<OutboxItem[]> =>
  (await runtime.outbox()).filter((item) => item.to.toLowerCase() === email.toLowerCase());

const parse = async (item: OutboxItem | undefined) => {
  if (!item) throw new Error('no such email');
  return simpleParser(await readFile(item.path));
};

const issuesOf = async (response: Response) => {
  expect(response.status).toBe(400);
  const { error } = (await response.json()) as ErrorBody;
  expect(error.code).toBe('validation_failed');
  return error.issues;
};

describe('the templates API', () => {
  it.each([
    ['GET', '/v1/templates'],
    ['GET', '/v1/templates/welcome'],
    ['PUT', '/v1/templates/welcome'],
    ['GET', '/v1/templates/welcome/versions'],
    ['POST', '/v1/templates/welcome/preview'],
    ['POST', '/v1/templates/welcome/test'],
  ])('needs the admin token for %s %s', async (method, path) => {
    const body = method === 'GET' ? {} : { json: { to: 'someone@example.com' } };
    const wrong = { 'if-match': '"0"', authorization: 'Bearer not-the-token' };
    expect((await runtime.call(path, { method, ...body })).status).toBe(401);
    expect((await runtime.call(path, { method, headers: wrong, ...body })).status).toBe(401);
  });

  it('lists every template by name, with its kind and version', async () => {
    const response = await runtime.call('/v1/templates', { admin: true });
    const { templates } = (await response.json()) as {
      templates: { name: string; kind: string; version: number }[];
    };
    expect(response.status).toBe(200);
    expect(templates.map((template) => template.name)).toEqual(
      [...templates.map((template) => template.name)].sort(),
    );
    expect(templates).toContainEqual(expect.objectContaining({ name: 'welcome', kind: 'marketing' }));
    expect(templates).toContainEqual(
      expect.objectContaining({ name: 'confirm-subscription', kind: 'transactional', version: 0 }),
    );
  });

  it('answers 404 for an unknown template', async () => {
    for (const path of ['/v1/templates/no-such', '/v1/templates/no-such/versions']) {
      expect((await runtime.call(path, { admin: true })).status).toBe(404);
    }
    for (const [path, json] of [
      ['/v1/templates/no-such/preview', {}],
      ['/v1/templates/no-such/test', { to: 'someone@example.com' }],
    ] as const) {
      const response = await runtime.call(path, { method: 'POST', admin: true, json });
      expect(response.status).toBe(404);
    }
  });

  it('answers a template with its version as the ETag', async () => {
    const { etag, template } = await getTemplate('customer-referral');
    expect(etag).toBe(`"${template.version}"`);
    expect(template).toMatchObject({ name: 'customer-referral', kind: 'marketing', format: 'html' });
    expect(template).not.toHaveProperty('html');
  });

  it('needs If-Match (428), refuses a stale one (409) before reading the body', async () => {
    const { etag, template } = await getTemplate('customer-referral');

    const without = await putTemplate('customer-referral', template);
    expect(without.status).toBe(428);
    expect(((await without.json()) as ErrorBody).error.code).toBe('precondition_required');

    await publish('customer-referral', { subject: 'Know a team who needs this?' });
    const stale = await putTemplate('customer-referral', template, etag ?? '');
    expect(stale.status).toBe(409);
    expect(((await stale.json()) as ErrorBody).error.code).toBe('version_conflict');
    const staleAndInvalid = await putTemplate(
      'customer-referral',
      { ...template, subject: 'a\r\nBcc: x@example.com', body: '{% if %}' },
      etag ?? '',
    );
    expect(staleAndInvalid.status).toBe(409);
  });

  it('takes back the very object GET answered, edited, as a new version; lists versions newest first', async () => {
    const { etag, template } = await getTemplate('customer-referral');

    const response = await putTemplate(
      'customer-referral',
      { ...template, subject: 'Who else should hear about this?' },
      etag ?? '',
    );

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe(`"${template.version + 1}"`);
    const published = (await response.json()) as EmailTemplate;
    expect(published).toMatchObject({
      version: template.version + 1,
      subject: 'Who else should hear about this?',
      body: template.body,
    });
    expect(await getTemplate('customer-referral')).toEqual({
      etag: `"${template.version + 1}"`,
      template: published,
    });
    const versions = await versionsOf('customer-referral');
    expect(versions.map((version) => version.version)).toEqual(
      Array.from({ length: template.version + 2 }, (_, i) => template.version + 1 - i),
    );
    expect(versions[0]).toEqual(published);
  });

  it('rolls back by a PUT of an older version, which becomes a new version with its content', async () => {
    const versions = await versionsOf('customer-referral');
    const [newest] = versions;
    const seed = versions.at(-1) as EmailTemplate;
    expect(seed.version).toBe(0);

    const response = await putTemplate('customer-referral', seed, `"${newest?.version}"`);

    expect(response.status).toBe(200);
    const rolledBack = (await response.json()) as EmailTemplate;
    // The content: not the version's number, time, or who published it.
    const content = ({ version: _v, updatedAt: _u, publishedBy: _by, ...rest }: EmailTemplate) => rest;
    expect(rolledBack.version).toBe((newest?.version ?? 0) + 1);
    expect(content(rolledBack)).toEqual(content(seed));
    expect(rolledBack.publishedBy).toEqual({ sub: 'local-admin' });
    expect((await versionsOf('customer-referral')).map((version) => version.version)[0]).toBe(
      rolledBack.version,
    );
  });

  it('previews and test-sends a template that is not published yet, from its draft alone', async () => {
    const draft = {
      kind: 'marketing',
      subject: 'Autumn, {{ first_name | default: "friend" }}',
      body: `<p>Our autumn offer is on.</p>\n${footer}`,
    };
    const shown = await preview('autumn-promo', { draft });
    expect(shown.subject).toBe('Autumn, Alex');
    expect(shown.html).toContain('Our autumn offer is on.');
    const to = address('autumn-test');
    const sent = await runtime.call('/v1/templates/autumn-promo/test', {
      method: 'POST',
      admin: true,
      json: { draft, to },
    });
    expect(sent.status).toBe(202);
    expect((await mailTo(to)).map((mail) => mail.subject)).toEqual(['[Test] Autumn, Alex']);
    // Nothing was published by either.
    expect((await runtime.call('/v1/templates/autumn-promo', { admin: true })).status).toBe(404);
  });

  it('creates a new template with If-Match: 0, which a schedule step may then use', async () => {
    const draft = {
      kind: 'marketing',
      description: 'Spring promotion',
      subject: 'Spring is here, {{ first_name | default: "friend" }}',
      body: `<p>Hi {{ first_name | default: "there" }}, our spring offer is on.</p>\n${footer}`,
    };
    expect((await runtime.call('/v1/templates/spring-promo', { admin: true })).status).toBe(404);

    const response = await putTemplate('spring-promo', draft, '0');

    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toBe('"1"');
    expect(await response.json()).toMatchObject({ name: 'spring-promo', version: 1, ...draft });
    const { templates } = (await (await runtime.call('/v1/templates', { admin: true })).json()) as {
      templates: { name: string }[];
    };
    expect(templates).toContainEqual(expect.objectContaining({ name: 'spring-promo', version: 1 }));
    // Created once: a second create of the same name is a conflict.
    expect((await putTemplate('spring-promo', draft, '0')).status).toBe(409);

    const schedule = (await (
      await runtime.call('/v1/schedules/customer', { admin: true })
    ).json()) as Schedule;
    const withPromo = await runtime.call('/v1/schedules/customer', {
      method: 'PUT',
      admin: true,
      headers: { 'if-match': `"${schedule.version}"` },
      json: { steps: [...schedule.steps, { delay: '30d', template: 'spring-promo' }] },
    });
    expect(withPromo.status).toBe(202);
    await runtime.call('/v1/schedules/customer', {
      method: 'PUT',
      admin: true,
      headers: { 'if-match': `"${schedule.version + 1}"` },
      json: { steps: schedule.steps },
    });
  });
});

describe('validation at publish', () => {
  const valid = `<p>Hi {{ first_name | default: "there" }},</p>\n<p>Five checks before you press send.</p>\n${footer}`;

  it.each([
    ['a Liquid syntax error on a later line', { body: `${valid}\n\n{% if first_name %}` }, 'body', 6],
    ['an unknown variable', { body: `${valid}\n{{ frist_name }}` }, 'body', 5],
    ['an unknown property', { body: `${valid}\n{{ offer.price }}` }, 'body', 5],
    ['an unknown filter', { body: `${valid}\n{{ first_name | shout }}` }, 'body', 5],
    ['an include', { body: `${valid}\n{% include 'x' %}` }, 'body', 5],
    ['a render', { body: `${valid}\n{% render 'x' %}` }, 'body', 5],
    ['an unknown variable in the subject', { subject: 'Hi {{ firstname }}' }, 'subject', 1],
    [
      'an MJML error',
      {
        format: 'mjml',
        body: `<mjml>\n<mj-body>\n<mj-section><mj-column>\n<mj-txt>Hi <a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</mj-txt>\n</mj-column></mj-section>\n</mj-body>\n</mjml>`,
      },
      'body',
      4,
    ],
    [
      'a marketing email without the unsubscribe link',
      { body: '<p>Hi</p>\n<p>{{ postal_address }}</p>' },
      'body',
      undefined,
    ],
    [
      'a marketing email without the postal address',
      { body: '<p>Hi</p>\n<a href="{{ unsubscribe_url }}">Unsubscribe</a>' },
      'body',
      undefined,
    ],
    [
      'an unsubscribe link in a Liquid comment',
      { body: valid.replace(/<p><a .*<\/a><\/p>/, '{% comment %}$&{% endcomment %}') },
      'body',
      undefined,
    ],
    [
      'an unsubscribe link some contacts would not get',
      { body: valid.replace(/<p><a .*<\/a><\/p>/, '{% if first_name %}$&{% endif %}') },
      'body',
      undefined,
    ],
    [
      'a postal address in an HTML comment',
      { body: valid.replace('<p>{{ postal_address }}</p>', '<!-- {{ postal_address }} -->') },
      'body',
      undefined,
    ],
    ['HTML over 100 KB', { body: `${valid}\n<p>${'x'.repeat(101 * 1024)}</p>` }, 'body', undefined],
    ['a subject with CR/LF', { subject: 'Checklist\r\nBcc: victim@example.com' }, 'subject', undefined],
    ['a subject with LF', { subject: 'Checklist\nBcc: victim@example.com' }, 'subject', undefined],
  ])('refuses %s, naming the field, and publishes nothing', async (_case, changes, path, line) => {
    const before = await getTemplate('nurture-checklist');

    const issues = await issuesOf(
      await putTemplate('nurture-checklist', { ...before.template, ...changes }, before.etag ?? ''),
    );

    expect(issues).toContainEqual(expect.objectContaining({ path, ...(line === undefined ? {} : { line }) }));
    if (line !== undefined) {
      expect(issues.find((issue) => issue.path === path)?.message).toMatch(new RegExp(`^line ${line}: `));
    }
    expect(await getTemplate('nurture-checklist')).toEqual(before);
  });

  it('names the missing footer variable in the message', async () => {
    const before = await getTemplate('nurture-checklist');
    const issues = await issuesOf(
      await putTemplate('nurture-checklist', { ...before.template, body: '<p>Hi</p>' }, before.etag ?? ''),
    );
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      expect.stringMatching(/^body: .*unsubscribe_url/),
      expect.stringMatching(/^body: .*postal_address/),
    ]);
  });

  it.each([
    ['an unknown template', 'spam-blast'],
    ['a transactional template', 'confirm-subscription'],
  ])('refuses a schedule step that names %s', async (_case, template) => {
    const { etag, schedule } = await (async () => {
      const response = await runtime.call('/v1/schedules/recycle', { admin: true });
      return { etag: response.headers.get('etag'), schedule: (await response.json()) as Schedule };
    })();
    const steps = [...schedule.steps.map(({ id, delay, template }) => ({ id, delay, template }))];
    steps.splice(1, 0, { id: 'extra', delay: '2d', template });

    const response = await runtime.call('/v1/schedules/recycle', {
      method: 'PUT',
      admin: true,
      headers: { 'if-match': etag ?? '' },
      json: { steps },
    });

    expect((await issuesOf(response)).map((issue) => issue.path)).toContain('steps.1.template');
    const after = (await (await runtime.call('/v1/schedules/recycle', { admin: true })).json()) as Schedule;
    expect(after.version).toBe(schedule.version);
  });
});

describe('what a contact typed stays inert', () => {
  it.each(['<script>alert(1)</script>', '{{ unsubscribe_url }}', '{% raw %}'])(
    'renders a first name of %s as the fallback, in preview and in the email',
    async (firstName) => {
      const email = address('inert');
      const contactId = await submit({ email, firstName, consent: true });

      const shown = await preview('nurture-demo-invite', { contactId });
      const [welcome] = await mailTo(email);
      const sent = await parse(welcome);

      for (const rendered of [shown, { subject: sent.subject, html: String(sent.html), text: sent.text }]) {
        expect(rendered.text).toContain('Hi there,');
        expect(rendered.html).not.toContain('<script>');
        expect(rendered.html).not.toContain('alert(1)');
        expect(`${rendered.subject}${rendered.html}${rendered.text}`).not.toMatch(/{{|{%|unsubscribe_url/);
      }
    },
  );
});

describe('preview equals send', () => {
  it('shows a contact exactly the welcome it is then sent, and changes nothing', async () => {
    const published = await publish('welcome', {
      subject: 'Welcome aboard, {{ first_name | default: "friend" }}',
      preheader: 'Hello {{ first_name | default: "there" }} and welcome.',
    });
    const email = address('welcome');
    const contactId = await submit({ email, firstName: 'Grace', company: 'Hopper Labs', consent: true });
    const keys = await tableKeys(runtime);
    const outbox = await runtime.outbox();

    const shown = await preview('welcome', { contactId });
    await runtime.settle();

    expect(await tableKeys(runtime)).toEqual(keys);
    expect(await runtime.outbox()).toEqual(outbox);
    expect(shown.version).toBe(published.version);
    expect(shown.subject).toBe('Welcome aboard, Grace');
    const [welcome, ...others] = await mailTo(email);
    expect(others).toEqual([]);
    expect(welcome).toMatchObject({ track: 'nurture', step: 'welcome', contactId });
    const sent = await parse(welcome);
    expect(sent.subject).toBe(shown.subject);
    // The same email, but for its signed links: the preview's act on nobody.
    const unsigned = (content: string | undefined) => String(content).replace(/\?t=[\w.-]+/g, '?t=…');
    // The text part wraps at 80 columns, so a real token (longer than `sample`) moves line breaks.
    const words = (content: string | undefined) => unsigned(content).replace(/\s+/g, ' ').trim();
    expect(words(sent.text)).toBe(words(shown.text));
    expect(unsigned(String(sent.html))).toBe(unsigned(shown.html));
    expect(String(sent.html)).not.toContain('/v1/unsubscribe?t=sample');
    expect(shown.html).toContain('/v1/unsubscribe?t=sample');
    expect(shown.html).toContain('/v1/preferences?t=sample');
  });

  it('previews an unpublished draft for a contact without publishing it', async () => {
    const email = address('draft');
    const contactId = await submit({ email, firstName: 'Ada', consent: true });
    const { template } = await getTemplate('welcome');

    const shown = await preview('welcome', {
      contactId,
      draft: { ...template, subject: 'Draft for {{ first_name }}' },
    });

    expect(shown.subject).toBe('Draft for Ada');
    expect(shown.version).toBe(template.version + 1);
    expect((await getTemplate('welcome')).template).toEqual(template);
    const invalid = await runtime.call('/v1/templates/welcome/preview', {
      method: 'POST',
      admin: true,
      json: { draft: { ...template, body: '{{ nope }}' } },
    });
    expect((await issuesOf(invalid)).map((issue) => issue.path)).toContain('body');
  });
});

describe('a contact in flight', () => {
  it('gets the copy published while it waited, and the ledger names the version it was sent', async () => {
    const email = address('flight');
    const contactId = await submit({ email, firstName: 'Linus', consent: true });
    const schedule = (await (
      await runtime.call('/v1/schedules/nurture', { admin: true })
    ).json()) as Schedule;
    const [, next] = schedule.steps;
    expect(next?.template).toBe('nurture-case-study');
    await runtime.advance('1d');

    const published = await publish('nurture-case-study', {
      subject: 'What {{ company | default: "a team like yours" }} changed first',
    });
    const shown = await preview('nurture-case-study', { contactId });
    await runtime.advance('2d');

    const sent = (await mailTo(email)).filter((item) => item.step === next?.id);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toBe('What a team like yours changed first');
    expect((await parse(sent[0])).subject).toBe(shown.subject);
    const ledger = await tableItems(runtime, `CONTACT#${contactId}`, 'SEND#nurture#');
    expect(ledger).toContainEqual(
      expect.objectContaining({
        stepId: next?.id,
        status: 'sent',
        template: 'nurture-case-study',
        templateVersion: published.version,
      }),
    );
    expect(ledger).toContainEqual(
      expect.objectContaining({ stepId: 'welcome', template: 'welcome', status: 'sent' }),
    );
  });
});

describe('a test send', () => {
  it('goes to the address given, marked as a test, and touches no contact or ledger', async () => {
    const to = address('tester');
    const { template } = await getTemplate('nurture-how-to');
    const keys = await tableKeys(runtime);

    const response = await runtime.call('/v1/templates/nurture-how-to/test', {
      method: 'POST',
      admin: true,
      json: { to },
    });
    await runtime.settle();

    expect(response.status).toBe(202);
    const [item, ...others] = await mailTo(to);
    expect(others).toEqual([]);
    expect(item?.subject).toBe(`[Test] ${template.subject}`);
    const parsed = await parse(item);
    expect(parsed.subject).toBe(`[Test] ${template.subject}`);
    expect(parsed.headers.get('x-leadflow-test')).toBe('true');
    expect(parsed.headers.get('list-unsubscribe')).toBeUndefined();
    expect(item?.contactId).toBeNull();
    expect(await contactIdFor(runtime, to)).toBeUndefined();
    // Nothing but the sender's hourly test-send count.
    const besidesCount = (all: string[]) => all.filter((key) => !key.startsWith('RATE#test-send#'));
    expect(besidesCount(await tableKeys(runtime))).toEqual(besidesCount(keys));
  });

  it("shows a contact's data with links that act on nobody", async () => {
    const contactId = await submit({ email: address('shown'), firstName: 'Barbara', consent: true });
    const to = address('reviewer');

    const response = await runtime.call('/v1/templates/nurture-how-to/test', {
      method: 'POST',
      admin: true,
      json: { to, contactId },
    });
    await runtime.settle();

    expect(response.status).toBe(202);
    const html = String((await parse((await mailTo(to))[0])).html);
    expect(html).toContain('Hi Barbara,');
    expect(html).toContain('/v1/unsubscribe?t=sample');
    // The contact's own unsubscribe token, as its real email carries it.
    const [welcome] = (await runtime.outbox()).filter((item) => item.contactId === contactId);
    const token = /\/v1\/unsubscribe\?t=([^"&]+)/.exec(String((await parse(welcome)).html))?.[1];
    expect(token).toMatch(/^[\w-]{20,}\.[\w-]{20,}$/);
    expect(html).not.toContain(token);
  });

  it.each(['not-an-address', 'a@example.com\r\nBcc: b@example.com', ''])(
    'refuses a to of %j, naming it',
    async (to) => {
      const before = await runtime.outbox();
      const response = await runtime.call('/v1/templates/nurture-how-to/test', {
        method: 'POST',
        admin: true,
        json: { to },
      });
      expect((await issuesOf(response)).map((issue) => issue.path)).toEqual(['to']);
      expect(await runtime.outbox()).toEqual(before);
    },
  );
});

describe('content a contact asked for', () => {
  it('sends the e-book to a contact without marketing consent, once, and nothing else', async () => {
    const email = address('ebook');
    await submit({ email, offer: { type: 'ebook', id: 'email-benchmarks' } });
    await runtime.advance('30d');

    const sent = await mailTo(email);
    expect(sent.map((item) => item.track)).toEqual(['transactional']);
    expect(sent[0]?.subject).toBe('Your copy of B2B Email Benchmarks');
    const parsed = await parse(sent[0]);
    expect(String(parsed.html)).toContain('/resources/b2b-email-benchmarks');
    expect(parsed.headers.get('list-unsubscribe')).toBeUndefined();
  });

  it('confirms a demo request from a form post', async () => {
    const email = address('demo');
    const response = await runtime.call('/v1/contacts', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email, offerType: 'demo' }).toString(),
    });
    expect(response.status).toBe(202);
    await runtime.settle();
    await runtime.advance('30d');

    const sent = await mailTo(email);
    expect(sent.map((item) => [item.track, item.subject])).toEqual([
      ['transactional', 'We have your demo request'],
    ]);
  });

  it('sends content again to a contact who unsubscribed, and nothing more', async () => {
    const email = address('unsubscribed');
    await submit({ email, consent: true });
    const [welcome] = await mailTo(email);
    const line = (await parse(welcome)).headerLines.find((header) => header.key === 'list-unsubscribe')?.line;
    const unsubscribe = /<(http[^>]+)>/.exec(line ?? '')?.[1];
    if (!unsubscribe) throw new Error('no unsubscribe link');
    const { pathname, search } = new URL(unsubscribe);
    expect((await runtime.call(`${pathname}${search}`, { method: 'POST' })).status).toBe(200);
    await runtime.advance('2d');
    const before = await mailTo(email);

    await submit({ email, offer: { type: 'white_paper', id: 'pipeline-report-2027' } });
    await runtime.advance('30d');

    const after = (await mailTo(email)).slice(before.length);
    expect(after.map((item) => [item.track, item.subject])).toEqual([
      ['transactional', 'Your copy of The 2027 Pipeline Report'],
    ]);
  });
});
