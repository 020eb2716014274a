import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importJWK, type JWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import type { EmailTemplate, RenderedEmail } from '../../functions/domain/email-template.js';
import type { Schedule } from '../../functions/domain/schedule.js';
import { testSendsPerHour } from '../../functions/domain/test-send.js';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { parseMail } from '../support/mail-links.js';

const runtime = useRuntime({
  users: true,
  env: { ...journeyEnv, LEADFLOW_TEST_SEND_DOMAINS: 'staff.example' },
});

interface ErrorBody {
  error: { code: string; issues: { path: string; message: string }[] };
}

const footer = '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n<p>{{ postal_address }}</p>';
/** The issue's 72 characters: four million turns of an empty loop. */
const nestedLoop = '{% for a in (1..2000) %}{% for b in (1..2000) %}{% endfor %}{% endfor %}';
/** The issue's 54 characters: a third of a megabyte of HTML. */
const bulkyLoop = '{% for i in (1..9000) %}{{ postal_address }}{% endfor %}';

/** An ID token as the local identity provider issues it to `user` (the users file's address). */
const idTokenFor = async (user: 'marketing' | 'sales' | 'admin') => {
  const jwk = JSON.parse(readFileSync(join(runtime.dataDir, 'idp-key.json'), 'utf8')) as JWK;
  const key = await importJWK(jwk, 'RS256');
  return new SignJWT({ 'cognito:groups': [user], email: `${user}@example.com`, token_use: 'id' })
    .setProtectedHeader({ alg: 'RS256', kid: jwk.kid ?? '' })
    .setSubject(`${user}-${randomUUID()}`)
    .setIssuedAt()
    .setIssuer(`${runtime.url}/_local/idp`)
    .setAudience('leadflow-admin-local')
    .setExpirationTime('1h')
    .sign(key);
};

const post = (path: string, json: unknown, token?: string) =>
  runtime.call(path, {
    method: 'POST',
    json,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : { admin: true }),
  });

const issuesOf = async (response: Response, status = 400) => {
  expect(response.status).toBe(status);
  return ((await response.json()) as ErrorBody).error.issues;
};

const getTemplate = async (name: string) => {
  const response = await runtime.call(`/v1/templates/${name}`, { admin: true });
  return { etag: response.headers.get('etag') ?? '', template: (await response.json()) as EmailTemplate };
};

const putTemplate = (name: string, body: unknown, ifMatch: string) =>
  runtime.call(`/v1/templates/${name}`, {
    method: 'PUT',
    admin: true,
    json: body,
    headers: { 'if-match': ifMatch },
  });

const submit = async (label: string, extra: Record<string, unknown> = {}) => {
  const email = uniqueEmail(label);
  return { email, contactId: await submitLead(runtime, { email, consent: true, ...extra }) };
};

const draft = (body: string, subject = 'Hello') => ({
  kind: 'marketing',
  subject,
  body: `${body}\n${footer}`,
});

describe('templates that would freeze the runtime or break the mail', () => {
  it('refuses the 72-character nested loop at preview, naming the body, while other requests answer', async () => {
    // Act: bad previews and an ordinary read at once.
    const [list, ...previews] = await Promise.all([
      runtime.call('/v1/templates', { admin: true }),
      ...[1, 2, 3].map(() => post('/v1/templates/loops/preview', { draft: draft(nestedLoop) })),
    ]);

    // Assess
    expect(list.status).toBe(200);
    for (const preview of previews) {
      const issues = await issuesOf(preview);
      expect(issues).toEqual([{ path: 'body', message: expect.stringContaining('too much work') }]);
    }
  });

  it('refuses at publish a body that renders past 100 KB, and publishes nothing', async () => {
    const response = await putTemplate('bulky', draft(bulkyLoop), '0');

    expect(await issuesOf(response)).toEqual([{ path: 'body', message: expect.stringContaining('102 KB') }]);
    expect((await runtime.call('/v1/templates/bulky', { admin: true })).status).toBe(404);
  });

  it.each([
    ['a loop', `${nestedLoop}Hi`, 'too much work'],
    ['a subject of 50,000 characters', '{% for i in (1..50000) %}x{% endfor %}', 'characters'],
  ])('refuses a schedule step subject with %s, naming the step', async (_, subject, message) => {
    const current = await runtime.call('/v1/schedules/nurture', { admin: true });
    const schedule = (await current.json()) as Schedule;
    const steps = schedule.steps.map((step, index) => (index === 0 ? { ...step, subject } : step));

    const response = await runtime.call('/v1/schedules/nurture', {
      method: 'PUT',
      admin: true,
      json: { ...schedule, steps },
      headers: { 'if-match': current.headers.get('etag') ?? '' },
    });

    expect(await issuesOf(response)).toEqual([
      { path: 'steps.0.subject', message: expect.stringContaining(message) },
    ]);
  });
});

describe('a preview', () => {
  it("for a contact shows the contact's data with links that act on nobody", async () => {
    const { email, contactId } = await submit('previewed', { firstName: 'Barbara' });
    const [welcome] = (await runtime.outbox()).filter((item) => item.contactId === contactId);
    if (!welcome) throw new Error('no welcome email');
    const token = /\/v1\/unsubscribe\?t=([^"&]+)/.exec(String((await parseMail(welcome)).html))?.[1];
    expect(token).toMatch(/^[\w-]{20,}\.[\w-]{20,}$/);

    for (const body of [{ contactId }, { contactEmail: email.toUpperCase() }]) {
      const response = await post('/v1/templates/welcome/preview', body);
      expect(response.status).toBe(200);
      const shown = (await response.json()) as RenderedEmail;
      expect(shown.html).toContain('Barbara');
      expect(shown.html).toContain('/v1/unsubscribe?t=sample');
      expect(`${shown.html}${shown.text}`).not.toContain(String(token));
      expect(`${shown.html}${shown.text}`).not.toMatch(
        /\/v1\/(preferences|unsubscribe|confirm)\?t=(?!sample)/,
      );
    }
  });

  it('for a contact by address works for marketing, who cannot look contacts up', async () => {
    const { email } = await submit('marketing-previews', { firstName: 'Ingrid' });
    const token = await idTokenFor('marketing');

    const lookup = await runtime.call(`/v1/contacts?email=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const response = await post('/v1/templates/welcome/preview', { contactEmail: email }, token);
    const unknown = await post(
      '/v1/templates/welcome/preview',
      { contactEmail: 'nobody@example.com' },
      token,
    );

    expect(lookup.status).toBe(403);
    expect(response.status).toBe(200);
    expect(((await response.json()) as RenderedEmail).html).toContain('Ingrid');
    expect(await issuesOf(unknown, 404)).toEqual([{ path: 'contactEmail', message: 'is not a contact' }]);
  });

  it('takes the draft at the top level, as the schedule and rules previews do', async () => {
    const { template } = await getTemplate('welcome');

    const response = await post('/v1/templates/welcome/preview', { ...template, subject: 'Top-level draft' });

    expect(response.status).toBe(200);
    const shown = (await response.json()) as RenderedEmail & { version: number };
    expect(shown.subject).toBe('Top-level draft');
    expect(shown.version).toBe(template.version + 1);
  });

  it.each([
    ['an unknown key', { subjct: 'Typo' }, 'subjct'],
    ['a draft both ways', { draft: { kind: 'marketing' }, subject: 'Two drafts' }, 'subject'],
    ['an unknown key beside the draft', { draft: { kind: 'marketing' }, contact: 'x' }, 'contact'],
  ])('refuses %s, naming it, rather than previewing the stored version', async (_, body, path) => {
    const response = await post('/v1/templates/welcome/preview', body);

    expect((await issuesOf(response)).map((issue) => issue.path)).toContain(path);
  });
});

describe('a test send', () => {
  const outboxTo = async (to: string) => (await runtime.outbox()).filter((item) => item.to === to);

  it('goes to the signed-in user, or a staff domain, and to nobody else', async () => {
    const token = await idTokenFor('marketing');
    const stranger = `stranger.${randomUUID()}@gmail.com`;

    const own = await post('/v1/templates/welcome/test', { to: 'marketing@example.com' }, token);
    const staff = await post('/v1/templates/welcome/test', { to: 'reviewer@staff.example' }, token);
    const elsewhere = await post(
      '/v1/templates/welcome/test',
      { to: stranger, draft: draft('Click here') },
      token,
    );
    // The admin token has no address of its own: only the staff domains.
    const byAdminToken = await post('/v1/templates/welcome/test', { to: stranger });
    await runtime.settle();

    expect(own.status).toBe(202);
    expect(staff.status).toBe(202);
    for (const refused of [elsewhere, byAdminToken]) {
      const issues = await issuesOf(refused, 403);
      expect(issues).toEqual([{ path: 'to', message: expect.stringContaining('staff.example') }]);
    }
    expect(await outboxTo(stranger)).toEqual([]);
  });

  it(`is limited to ${testSendsPerHour} an hour per user, with Retry-After, sending nothing past it`, async () => {
    const token = await idTokenFor('marketing');
    const to = `limit.${randomUUID()}@staff.example`;
    const other = await idTokenFor('marketing');

    const answers: number[] = [];
    for (let i = 0; i <= testSendsPerHour; i++) {
      answers.push((await post('/v1/templates/welcome/test', { to }, token)).status);
    }
    const refused = await post('/v1/templates/welcome/test', { to }, token);
    const colleague = await post('/v1/templates/welcome/test', { to }, other);
    await runtime.settle();

    expect(answers.slice(0, testSendsPerHour).every((status) => status === 202)).toBe(true);
    expect(answers[testSendsPerHour]).toBe(429);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect(colleague.status).toBe(202);
    expect(await outboxTo(to)).toHaveLength(testSendsPerHour + 1);
  });
});

describe('a send that crosses a limit', () => {
  it('is not sent: the step stalls with the reason, and other contacts get their email', async () => {
    // Prepare: a welcome whose bulky branch only a contact named Zed takes, which the publish's
    // sample contacts (Alex, and one with no name) do not.
    const { etag, template } = await getTemplate('welcome');
    const body = `{% if first_name == "Zed" %}${bulkyLoop}{% endif %}${template.body}`;
    expect((await putTemplate('welcome', { ...template, body }, etag)).status).toBe(200);

    // Act
    const zed = await submit('zed', { firstName: 'Zed' });
    const amy = await submit('amy', { firstName: 'Amy' });
    let view: { stalled?: { error: string; cause: string } } = {};
    for (let i = 0; i < 20 && !view.stalled; i++) {
      await runtime.advance('5m');
      view = await (await runtime.call(`/v1/contacts/${zed.contactId}`, { admin: true })).json();
    }

    // Assess
    const outbox = await runtime.outbox();
    expect(outbox.filter((item) => item.contactId === zed.contactId)).toEqual([]);
    expect(outbox.filter((item) => item.contactId === amy.contactId).map((item) => item.step)).toEqual([
      'welcome',
    ]);
    expect(view.stalled).toMatchObject({
      error: 'TemplateLimitError',
      cause: expect.stringContaining('102 KB'),
    });
  });
});
