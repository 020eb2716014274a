import { describe, expect, it } from 'vitest';
import {
  defaultSubjects,
  type EmailContext,
  renderEmail,
  templateIds,
} from '../../functions/domain/templates.js';

const unsubscribeUrl = 'https://api.example.com/v1/unsubscribe?t=abc.def';
const postalAddress = 'Leadflow Demo Inc., 100 Main Street, Springfield, OR 97477, USA';
const bare: EmailContext = { unsubscribeUrl, postalAddress, senderName: 'Leadflow Demo' };
const personal: EmailContext = {
  ...bare,
  firstName: 'Jane',
  company: 'Acme Corp',
  offer: { type: 'white_paper', id: 'pipeline-report-2027' },
  siteUrl: 'https://www.example.com',
};

describe('renderEmail', () => {
  it.each(templateIds)('%s renders subject, HTML and text, with and without personalisation', (id) => {
    for (const context of [bare, personal]) {
      const email = renderEmail(id, context);
      expect(email.subject.trim()).not.toBe('');
      expect(email.subject).not.toMatch(/[\r\n]|undefined/);
      expect(email.html).toMatch(/^<!doctype html>/);
      expect(email.text).not.toContain('<');
      for (const part of [email.html, email.text]) {
        expect(part).not.toMatch(/undefined|null|NaN|\[object/);
        expect(part).toContain(context.firstName ? 'Hi Jane,' : 'Hi there,');
        expect(part).toContain('Leadflow Demo');
      }
    }
  });

  it.each(templateIds)('%s has the unsubscribe link and the postal address in both parts', (id) => {
    const email = renderEmail(id, bare);
    expect(email.text).toContain(`Unsubscribe: ${unsubscribeUrl}`);
    expect(email.text).toContain(postalAddress);
    expect(email.html).toContain(`href="${unsubscribeUrl}"`);
    expect(email.html).toContain(postalAddress);
  });

  it('escapes a hostile first name and company in the HTML', () => {
    const email = renderEmail('nurture-how-to', {
      ...bare,
      firstName: '<script>alert("x")</script>',
      company: `"><img src=x onerror=alert(1)>`,
    });
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).toContain('&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;');
    expect(email.text).toContain('Hi <script>alert("x")</script>,');
  });

  it('keeps a name on one line', () => {
    const email = renderEmail('welcome', { ...bare, firstName: 'Jane\r\nBcc: evil@example.com' });
    expect(email.text).toContain('Hi Jane Bcc: evil@example.com,');
  });

  it('uses the default subject, a one-line override, or the offer title for the welcome', () => {
    expect(renderEmail('customer-feedback', bare).subject).toBe(defaultSubjects['customer-feedback']);
    expect(renderEmail('customer-feedback', { ...bare, subject: 'Quick question\r\nBcc: x' }).subject).toBe(
      'Quick question Bcc: x',
    );
    expect(renderEmail('welcome', personal).subject).toBe('Your copy of The 2027 Pipeline Report');
    expect(renderEmail('welcome', bare).subject).toBe(defaultSubjects.welcome);
  });

  it('delivers the offer the contact asked for in the welcome', () => {
    const email = renderEmail('welcome', personal);
    const link = 'https://www.example.com/resources/2027-pipeline-report';
    expect(email.text).toContain(`Download The 2027 Pipeline Report: ${link}`);
    expect(email.html).toContain(`href="${link}"`);
  });

  it('words the welcome by offer type when the offer has no link', () => {
    expect(renderEmail('welcome', { ...bare, offer: { type: 'webinar' } }).text).toContain(
      'You are registered for our webinar',
    );
    expect(renderEmail('welcome', { ...bare, offer: { type: 'demo' } }).text).toContain(
      'Thanks for asking for our demo',
    );
    expect(renderEmail('welcome', { ...bare, offer: { type: 'white_paper', id: 'unknown' } }).text).toContain(
      'Thanks for requesting our white paper',
    );
    expect(renderEmail('welcome', bare).text).toContain('Thanks for getting in touch with Leadflow Demo');
  });

  it('links calls to action under the site URL, keeping its path, and drops them without one', () => {
    const withSite = renderEmail('nurture-demo-invite', { ...bare, siteUrl: 'https://example.com/en' });
    expect(withSite.text).toContain('Book a 20-minute demo: https://example.com/en/demo');
    expect(renderEmail('nurture-demo-invite', bare).text).not.toContain('Book a 20-minute demo');
  });

  it('personalises with the company, falling back to "your team"', () => {
    expect(renderEmail('nurture-demo-invite', personal).text).toContain('how it would work for Acme Corp');
    expect(renderEmail('nurture-demo-invite', bare).text).toContain('how it would work for your team');
  });

  it('keeps SES click tracking off the unsubscribe link', () => {
    expect(renderEmail('welcome', bare).html).toMatch(/<a ses:no-track href="[^"]+unsubscribe/);
  });

  it('refuses an unsubscribe URL that is not http(s)', () => {
    expect(() => renderEmail('welcome', { ...bare, unsubscribeUrl: 'javascript:alert(1)' })).toThrow(
      /unsubscribeUrl/,
    );
  });
});
