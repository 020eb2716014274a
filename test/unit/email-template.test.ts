import { describe, expect, it } from 'vitest';
import {
  type PublishedTemplate,
  parseTemplateDraft,
  renderTemplate,
  templateScope,
  templateView,
} from '../../functions/domain/email-template.js';
import { compileMjml } from '../../functions/domain/mjml-compiler.js';
import { seedTemplates } from '../../functions/domain/template-seeds.js';

const now = new Date('2027-01-04T09:00:00Z');
const settings = {
  senderName: 'Example',
  postalAddress: 'Example Inc., 1 Main Street, Springfield',
  siteUrl: 'https://www.example.com',
};
const unsubscribe = 'https://api.example.com/v1/unsubscribe?t=abc.def&x=1';
const scopeFor = (contact: Record<string, string>) =>
  templateScope({ contact, settings, links: { unsubscribe } });

const seed = (name: string): PublishedTemplate => {
  const template = seedTemplates.get(name);
  if (!template) throw new Error(`no seed ${name}`);
  return template;
};

const marketing = {
  kind: 'marketing',
  subject: 'Hello {{ first_name | default: "there" }}',
  body: '<p>Hi</p>\n<a href="{{ unsubscribe_url }}">Unsubscribe</a>\n<p>{{ postal_address }}</p>',
};

const issuesOf = async (draft: Record<string, unknown>, current?: PublishedTemplate) => {
  const parsed = await parseTemplateDraft(draft, 'draft', current, now, compileMjml);
  if (parsed.ok) throw new Error('expected the draft to be refused');
  return parsed.issues;
};

describe('seed templates', () => {
  it.each([...seedTemplates.keys()])(
    '%s publishes as it is (GET body round trip) and renders',
    async (name) => {
      const template = seed(name);
      const parsed = await parseTemplateDraft(templateView(template), name, template, now, compileMjml);
      expect(parsed.ok ? [] : parsed.issues).toEqual([]);
      const email = renderTemplate(template, scopeFor({ firstName: 'Jane' }));
      expect(email.subject).not.toMatch(/[\r\n]|{{|{%|null/);
      expect(`${email.html}${email.text}`).not.toMatch(/{{|{%|undefined|null|\[object/);
      // The handoff goes to the sales inbox: it greets sales, never the contact.
      expect(email.text).toContain(name === 'sales-lead-ready' ? 'Hello sales,' : 'Hi Jane,');
      if (template.kind === 'marketing') {
        expect(email.html).toContain('href="https://api.example.com/v1/unsubscribe?t=abc.def&amp;x=1"');
        expect(email.text).toContain(settings.postalAddress);
      }
    },
  );

  it('sales-lead-ready describes the lead to sales, its typed values under the merge-field rules', () => {
    const email = renderTemplate(
      seed('sales-lead-ready'),
      templateScope({
        lead: {
          firstName: 'Dana',
          lastName: 'visit evil.example now',
          company: 'Acme <b>Corp</b>',
          email: 'dana@example.com',
          score: 71,
          channel: 'organic_search',
          what: 'form',
          offerType: 'demo',
          handoffReason: 'requested a demo',
          url: 'https://api.example.com/v1/contacts/c-1',
        },
        settings,
        links: {},
      }),
    );
    expect(email.subject).toBe('Sales lead ready: Dana');
    expect(email.text).toContain('Dana, is ready for sales with a score of 71.');
    expect(email.text).toContain('Handed to sales because the lead requested a demo.');
    expect(email.text.replace(/\s+/g, ' ')).toContain(
      'came from organic_search, by form, for a demo. Address: dana@example.com.',
    );
    expect(email.html).toContain('href="https://api.example.com/v1/contacts/c-1"');
    expect(`${email.html}${email.text}`).not.toMatch(/evil|<b>|Hi there/);
  });

  it('tells no fictional customer story', () => {
    for (const template of seedTemplates.values()) expect(template.body).not.toMatch(/Northwind|Acme/);
  });

  it.each([...seedTemplates.keys()])(
    '%s is finished copy, with no placeholder for a marketer to fill in',
    (name) => {
      const { text, html } = renderTemplate(seed(name), scopeFor({ firstName: 'Jane' }));
      expect(`${text}${html}`).not.toMatch(/\[(replace|insert|add|your|todo)\b|lorem ipsum|TODO|TBD/i);
    },
  );

  it.each([
    ['ebook', 'an e-book'],
    ['white_paper', 'a white paper'],
    ['event', 'an event'],
    ['pricing', 'pricing'],
  ])('sales-lead-ready reads the offer %s as "for %s"', (offerType, phrase) => {
    const lead = { email: 'dana@example.com', score: 71, channel: 'organic_search', what: 'form', url: 'u' };
    const email = renderTemplate(
      seed('sales-lead-ready'),
      templateScope({ lead: { ...lead, offerType }, settings, links: {} }),
    );
    expect(email.text.replace(/\s+/g, ' ')).toContain(`by form, for ${phrase}.`);
  });

  it('request-received promises a call only when sales gets the request', () => {
    const reply = (salesFollowUp: boolean) =>
      renderTemplate(
        seed('request-received'),
        templateScope({ offer: { type: 'demo' }, salesFollowUp, settings, links: {} }),
      ).text.replace(/\s+/g, ' ');
    expect(reply(true)).toContain('Thanks for asking for a demo. Someone from our team will be in touch');
    expect(reply(false)).toContain('Thanks for asking for a demo. Your request has reached us.');
    expect(reply(false)).not.toMatch(/in touch|business day/);
  });

  it('has the double opt-in template the public edge sends', () => {
    const email = renderTemplate(
      seed('confirm-subscription'),
      templateScope({ settings, links: { confirm: 'https://api.example.com/v1/confirm?t=tok' } }),
    );
    expect(seed('confirm-subscription').kind).toBe('transactional');
    expect(email.html).toContain('href="https://api.example.com/v1/confirm?t=tok"');
  });
});

describe('rendering', () => {
  it('renders a subject written with a fallback, with and without the name', () => {
    const template = { ...seed('welcome'), subject: '{{ first_name | default: "there" }}, a quick question' };
    expect(renderTemplate(template, scopeFor({ firstName: 'Jane' })).subject).toBe('Jane, a quick question');
    expect(renderTemplate(template, scopeFor({})).subject).toBe('there, a quick question');
  });

  it('keeps what a contact typed inert: markup, Liquid and links fall back, the rest is escaped', () => {
    const template = { ...seed('nurture-demo-invite') };
    for (const firstName of [
      '<script>alert(1)</script>',
      '{{ unsubscribe_url }}',
      '{% raw %}',
      'see evil.example',
    ]) {
      const email = renderTemplate(template, scopeFor({ firstName }));
      expect(email.text).toContain('Hi there,');
      expect(email.html).not.toContain('<script>');
      expect(email.html).not.toContain('evil.example');
    }
    const email = renderTemplate(template, scopeFor({ firstName: 'Jane', company: "O'Neil & Sons" }));
    expect(email.html).toContain('O&#39;Neil &amp; Sons');
    expect(email.text).toContain("O'Neil & Sons");
  });

  it('puts the preheader first in the body, hidden, and leaves it out of the text part', () => {
    const email = renderTemplate(seed('welcome'), scopeFor({}));
    expect(email.html).toMatch(/<body[^>]*>\n<div class="preheader" style="display:none;/);
    expect(email.text).not.toContain(seed('welcome').preheader);
  });

  it('uses the text body when the template has one', () => {
    const email = renderTemplate(
      { ...seed('welcome'), text: 'Hi {{ first_name }} & co' },
      scopeFor({ firstName: 'Jo' }),
    );
    expect(email.text).toBe('Hi Jo & co');
  });
});

describe('validation at publish', () => {
  it('names the field and line of a Liquid syntax error', async () => {
    expect(await issuesOf({ ...marketing, body: `${marketing.body}\n{% if first_name %}` })).toEqual([
      expect.objectContaining({
        path: 'body',
        line: 4,
        message: expect.stringMatching(/^line 4: .*not closed/),
      }),
    ]);
  });

  it('refuses an unknown variable, property or filter, with its line', async () => {
    const issues = await issuesOf({
      ...marketing,
      subject: 'Hi {{ frist_name }}',
      body: `${marketing.body}\n\n{{ offer.price }}`,
      text: 'a\n{{ first_name | shout }}',
    });
    expect(issues).toEqual([
      expect.objectContaining({ path: 'subject', line: 1, message: expect.stringContaining('frist_name') }),
      expect.objectContaining({ path: 'body', line: 5, message: expect.stringContaining('offer.price') }),
      expect.objectContaining({ path: 'text', line: 2, message: expect.stringContaining('shout') }),
    ]);
  });

  it.each(['{% include "x" %}', '{% render "x" %}', '{% layout "x" %}'])('refuses %s', async (tag) => {
    const issues = await issuesOf({ ...marketing, body: `${marketing.body}\n${tag}` });
    expect(issues).toEqual([expect.objectContaining({ path: 'body', line: 4 })]);
  });

  it('refuses a marketing template without the unsubscribe link or the postal address', async () => {
    const issues = await issuesOf({ ...marketing, body: '<p>Hi</p>', text: 'Hi {{ unsubscribe_url }}' });
    expect(issues.map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      expect.stringMatching(/^body: .*unsubscribe_url/),
      expect.stringMatching(/^body: .*postal_address/),
      expect.stringMatching(/^text: .*postal_address/),
    ]);
    expect(
      (
        await parseTemplateDraft(
          { ...marketing, kind: 'transactional', body: '<p>Hi</p>' },
          'x',
          undefined,
          now,
          compileMjml,
        )
      ).ok,
    ).toBe(true);
  });

  it.each([
    ['a Liquid comment', '{% comment %}LINK{% endcomment %}'],
    ['a condition no contact meets', '{% if false %}LINK{% endif %}'],
    ['a condition some contacts miss', '{% if first_name %}LINK{% endif %}'],
    ['an HTML comment', '<!-- LINK -->'],
  ])('refuses a footer link hidden in %s', async (_case, hidden) => {
    const link = '<a href="{{ unsubscribe_url }}">Unsubscribe</a>';
    const body = `<p>Hi</p>\n${hidden.replace('LINK', link)}\n<p>{{ postal_address }}</p>`;
    expect(await issuesOf({ ...marketing, body })).toEqual([
      expect.objectContaining({ path: 'body', message: expect.stringContaining('unsubscribe_url') }),
    ]);
  });

  it('refuses HTML past 100 KB and a subject with a line break', async () => {
    const big = `${marketing.body}<p>${'x'.repeat(101 * 1024)}</p>`;
    expect(await issuesOf({ ...marketing, body: big })).toEqual([
      expect.objectContaining({ path: 'body', message: expect.stringContaining('KB') }),
    ]);
    expect(await issuesOf({ ...marketing, subject: 'Hi\r\nBcc: x@example.com' })).toEqual([
      expect.objectContaining({ path: 'subject', message: expect.stringContaining('one line') }),
    ]);
  });

  it('compiles MJML at publish and reports its errors by line', async () => {
    const mjml = `<mjml>\n<mj-body>\n<mj-section><mj-column>\n<mj-text>Hi {{ first_name | default: "there" }} <a href="{{ unsubscribe_url }}">Unsubscribe</a> {{ postal_address }}</mj-text>\n</mj-column></mj-section>\n</mj-body>\n</mjml>`;
    const parsed = await parseTemplateDraft(
      { ...marketing, format: 'mjml', body: mjml },
      'm',
      undefined,
      now,
      compileMjml,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    expect(parsed.value.html).toMatch(/^<!doctype html>/i);
    expect(renderTemplate(parsed.value, scopeFor({ firstName: 'Jane' })).text).toContain('Hi Jane');
    const broken = mjml.replace('<mj-text>', '<mj-txt>').replace('</mj-text>', '</mj-txt>');
    expect(await issuesOf({ ...marketing, format: 'mjml', body: broken })).toContainEqual(
      expect.objectContaining({ path: 'body', line: 4, message: expect.stringContaining('mj-txt') }),
    );
  });

  it('ignores read-only fields that agree and refuses those that contradict', async () => {
    const current = { ...seed('welcome'), version: 3 };
    const view = templateView(current);
    expect((await parseTemplateDraft(view, 'welcome', current, now, compileMjml)).ok).toBe(true);
    const renamed = await parseTemplateDraft(
      { ...view, name: 'other' },
      'welcome',
      current,
      now,
      compileMjml,
    );
    const rekinded = await parseTemplateDraft(
      { ...view, kind: 'transactional' },
      'welcome',
      current,
      now,
      compileMjml,
    );
    const future = await parseTemplateDraft({ ...view, version: 9 }, 'welcome', current, now, compileMjml);
    for (const [parsed, path] of [
      [renamed, 'name'],
      [rekinded, 'kind'],
      [future, 'version'],
    ] as const) {
      expect(parsed.ok ? [] : parsed.issues.map((issue) => issue.path)).toEqual([path]);
    }
  });
});
