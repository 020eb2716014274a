import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { type OutboxItem, useRuntime } from '../support/local-runtime.js';
import { signedLinkIn } from '../support/mail-links.js';

// The deployment's default: double opt-in on every form. Many posts from this one client.
const runtime = useRuntime({ env: { LEADFLOW_INTAKE_RATE: '0' } });

interface ContactBody {
  contactId: string;
  firstName?: string;
  consent: { marketing: boolean; pending?: { touchId: string; at: string } };
  consentRecords: {
    action: string;
    method: string;
    form?: string;
    landingPage?: string;
    wording?: string;
    clientHash?: string;
  }[];
}

const submit = async (body: Record<string, unknown>) => {
  await submitLead(runtime, body);
};

const contactOf = async (email: string): Promise<ContactBody> => {
  const list = (await (
    await runtime.call(`/v1/contacts?email=${encodeURIComponent(email)}`, { admin: true })
  ).json()) as { items: { contactId: string }[] };
  const [item] = list.items;
  if (!item) throw new Error(`no contact for ${email}`);
  return (await (
    await runtime.call(`/v1/contacts/${item.contactId}`, { admin: true })
  ).json()) as ContactBody;
};

const mailTo = async (email: string): Promise<OutboxItem[]> =>
  (await runtime.outbox()).filter((item) => item.to.toLowerCase() === email.toLowerCase());

const confirmLinkIn = (item: OutboxItem) => signedLinkIn(item, 'confirm');

const relative = (link: string) => {
  const url = new URL(link);
  return `${url.pathname}${url.search}`;
};

const address = () => uniqueEmail('optin');

describe('double opt-in', () => {
  it('sends one confirmation and no marketing until the link is confirmed, then the nurture track', async () => {
    const email = address();
    await submit({
      email,
      firstName: 'Ada',
      consent: true,
      form: 'newsletter-footer',
      consentText: 'Send me the monthly newsletter. Unsubscribe at any time.',
      source: { landingPage: 'https://www.example.com/blog' },
    });
    await runtime.advance('10d');

    const before = await mailTo(email);
    expect(before.map((item) => item.track)).toEqual(['transactional']);
    expect(before[0]?.subject).toMatch(/confirm your subscription/i);
    const pending = await contactOf(email);
    expect(pending.consent.marketing).toBe(false);
    expect(pending.consent.pending).toBeDefined();
    expect(pending.consentRecords).toEqual([
      expect.objectContaining({
        action: 'requested',
        method: 'double_opt_in',
        form: 'newsletter-footer',
        landingPage: 'https://www.example.com/blog',
        wording: 'Send me the monthly newsletter. Unsubscribe at any time.',
        clientHash: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      }),
    ]);

    const link = relative(await confirmLinkIn(before[0] as OutboxItem));
    // A mail scanner's prefetch: a page with a button, and nothing changes.
    const scanned = await runtime.call(link, { headers: { accept: 'text/html' } });
    expect(scanned.status).toBe(200);
    expect(await scanned.text()).toContain('<form method="post"');
    await runtime.settle();
    expect((await contactOf(email)).consent.marketing).toBe(false);
    expect(await mailTo(email)).toHaveLength(1);

    const confirmed = await runtime.call(link, { method: 'POST', headers: { accept: 'text/html' } });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Subscription confirmed');
    await runtime.settle();
    const after = await contactOf(email);
    expect(after.consent).toEqual({ marketing: true, updatedAt: expect.any(String) });
    expect(after.consentRecords.map((record) => record.action)).toEqual(['requested', 'confirmed']);
    expect(after.consentRecords[1]?.clientHash).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The welcome goes at once, the nurture track after it.
    expect((await mailTo(email)).map((item) => item.track)).toEqual(['transactional', 'nurture']);
    await runtime.advance('30d');
    expect((await mailTo(email)).filter((item) => item.track === 'nurture').length).toBeGreaterThan(2);

    // Confirming again changes nothing more.
    const again = await runtime.call(link, { method: 'POST' });
    expect(again.status).toBe(200);
    expect((await contactOf(email)).consentRecords).toHaveLength(2);
  });

  it('sends one confirmation for ten submissions in a day, and its link still confirms after a later one', async () => {
    const email = address();
    for (let i = 0; i < 10; i++) await submit({ email, consent: 'on', form: 'newsletter-footer' });
    expect(await mailTo(email)).toHaveLength(1);

    // Ten more, at once: still none.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        runtime.call('/v1/contacts', { method: 'POST', json: { email, consent: true } }),
      ),
    );
    await runtime.settle();
    expect(await mailTo(email)).toHaveLength(1);

    // The next day another request may send the email again; both links confirm the same request.
    await runtime.advance('25h');
    await submit({ email, consent: true });
    const [first, second] = await mailTo(email);
    expect(second).toBeDefined();
    expect(relative(await confirmLinkIn(second as OutboxItem))).toBe(
      relative(await confirmLinkIn(first as OutboxItem)),
    );
    const confirmed = await runtime.call(relative(await confirmLinkIn(first as OutboxItem)), {
      method: 'POST',
    });
    expect(confirmed.status).toBe(200);
    expect((await contactOf(email)).consent.marketing).toBe(true);
  });

  it('caps replies to an address that never confirmed at one a day and three a week', async () => {
    const email = address();
    for (let day = 0; day < 7; day++) {
      await submit({ email, consent: true, offerType: 'ebook', offerId: 'email-benchmarks' });
      await submit({ email, consent: true, offerType: 'demo' });
      await runtime.advance('1d');
    }
    const sent = await mailTo(email);
    expect(sent).toHaveLength(3);
    const days = sent.map((item) => item.sentAt.slice(0, 10));
    expect(new Set(days).size).toBe(3);
  });

  it('answers a request and asks for confirmation in one email', async () => {
    const email = address();
    await submit({ email, consent: true, offer: { type: 'ebook', id: 'email-benchmarks' } });
    const sent = await mailTo(email);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toContain('B2B Email Benchmarks');
    const link = relative(await confirmLinkIn(sent[0] as OutboxItem));
    expect((await runtime.call(link, { method: 'POST' })).status).toBe(200);
    expect((await contactOf(email)).consent.marketing).toBe(true);
  });

  it('refuses forged and altered tokens, and changes nothing', async () => {
    const email = address();
    await submit({ email, consent: true });
    const [item] = await mailTo(email);
    const link = new URL(await confirmLinkIn(item as OutboxItem));
    const token = link.searchParams.get('t') ?? '';
    const altered = `${token.slice(0, -2)}${token.endsWith('A') ? 'B' : 'A'}A`;
    for (const t of ['', 'forged', altered, `${token}.x`]) {
      const response = await runtime.call(`/v1/confirm?t=${encodeURIComponent(t)}`, { method: 'POST' });
      expect(response.status).toBe(400);
      const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
      expect(body.error.code).toBe('invalid_token');
      expect(body.error.issues[0]?.path).toBe('t');
    }
    expect((await contactOf(email)).consent.marketing).toBe(false);
  });

  it('honours a "no" from any form at once, and a link from before it no longer confirms', async () => {
    const email = address();
    await submit({ email, consent: true });
    const [item] = await mailTo(email);
    const link = relative(await confirmLinkIn(item as OutboxItem));
    await runtime.advance('1h');
    await submit({ email, consent: false, form: 'preferences' });
    const withdrawn = await contactOf(email);
    expect(withdrawn.consent.marketing).toBe(false);
    expect(withdrawn.consent.pending).toBeUndefined();
    expect(withdrawn.consentRecords.map((record) => [record.action, record.method])).toEqual([
      ['requested', 'double_opt_in'],
      ['withdrawn', 'form'],
    ]);
    const late = await runtime.call(link, { method: 'POST' });
    expect(late.status).toBe(410);
    expect((await contactOf(email)).consent.marketing).toBe(false);
  });

  it('records an unsubscribe as a withdrawal', async () => {
    const email = address();
    await submit({ email, consent: true });
    const [item] = await mailTo(email);
    await runtime.advance('1h');
    expect(
      (await runtime.call(relative(await confirmLinkIn(item as OutboxItem)), { method: 'POST' })).status,
    ).toBe(200);
    await runtime.settle();
    const welcome = (await mailTo(email)).find((mail) => mail.track === 'nurture');
    const parsed = await simpleParser(await readFile((welcome as OutboxItem).path));
    const line = parsed.headerLines.find((header) => header.key === 'list-unsubscribe')?.line ?? '';
    const unsubscribe = /<(http[^>]+)>/.exec(line)?.[1];
    // Each record at its own time: the ledger lists them in the order they happened.
    await runtime.advance('1h');
    expect(unsubscribe).toBeDefined();
    expect((await runtime.call(relative(unsubscribe as string), { method: 'POST' })).status).toBe(200);
    const records = (await contactOf(email)).consentRecords;
    expect(records.map((record) => [record.action, record.method])).toEqual([
      ['requested', 'double_opt_in'],
      ['confirmed', 'double_opt_in'],
      ['withdrawn', 'unsubscribe_link'],
    ]);
    expect(records[2]?.clientHash).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('never renders a phishing-style name into any email', async () => {
    const email = address();
    await submit({
      email,
      firstName: 'URGENT: verify at https://evil.example/login',
      company: 'Call evil.example now',
      consent: true,
      offer: { type: 'ebook', id: 'email-benchmarks' },
    });
    const [item] = await mailTo(email);
    const parsed = await simpleParser(await readFile((item as OutboxItem).path));
    const seen = `${parsed.subject}\n${parsed.text}\n${String(parsed.html)}`;
    expect(seen).toContain('B2B Email Benchmarks');
    expect(seen).not.toContain('evil.example');
    expect(seen).not.toContain('URGENT');
  });
});
