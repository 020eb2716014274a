import { describe, expect, it } from 'vitest';
import { formToInput, isHoneypotFilled, parseSubmission } from '../../functions/domain/submission.js';

const issuesOf = (input: unknown) => {
  const result = parseSubmission(input);
  if (result.ok) throw new Error('expected the submission to be refused');
  return result.issues;
};

describe('parseSubmission', () => {
  it('needs nothing but an email, and keeps it as typed apart from surrounding space', () => {
    const result = parseSubmission({ email: '  Jane.Doe@Example.COM ' });
    expect(result).toEqual({ ok: true, value: { email: 'Jane.Doe@Example.COM' } });
  });

  it('treats blank optional fields as not given', () => {
    const result = parseSubmission({ email: 'a@b.co', firstName: '  ', company: '' });
    expect(result.ok && result.value).toEqual({ email: 'a@b.co' });
  });

  it.each([
    [{}, 'email', 'is required'],
    [{ email: 'not-an-email' }, 'email', 'must be a valid email address'],
    [{ email: 42 }, 'email', 'must be a string'],
    [{ email: 'a@b.co\r\nBcc: x@y.z' }, 'email', 'must not contain control characters (such as CR or LF)'],
    [{ email: 'a@b.co', firstName: 'Jane\nDoe' }, 'firstName', 'must not contain control characters'],
    [{ email: 'a@b.co', source: { utm_source: 'x\ty' } }, 'source.utm_source', 'control characters'],
    [{ email: 'a@b.co', consent: 'yes' }, 'consent', 'must be true or false'],
    [{ email: 'a@b.co', buyingStage: 'buying' }, 'buyingStage', 'must be one of researching'],
    [{ email: 'a@b.co', offer: { type: 'coupon' } }, 'offer.type', 'must be one of'],
    [{ email: 'a@b.co', source: { channel: 'tv' } }, 'source.channel', 'must be one of'],
    [{ email: 'a@b.co', firstName: 'x'.repeat(101) }, 'firstName', 'at most 100 characters'],
    [{ email: 'a@b.co', phone: 'call me' }, 'phone', 'may hold only digits'],
    [{ email: 'a@b.co', fields: { '1bad': 'x' } }, 'fields.1bad', 'custom field names'],
    [{ email: 'a@b.co', nickname: 'JD' }, 'nickname', 'is not a known field'],
    [{ email: 'a@b.co', source: { utm_sauce: 'x' } }, 'source.utm_sauce', 'is not a known field'],
    [[], '(body)', 'expected object'],
  ])('refuses %j at %s', (input, path, message) => {
    const issues = issuesOf(input);
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('caps custom fields', () => {
    const fields = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`f${i}`, i]));
    expect(issuesOf({ email: 'a@b.co', fields })).toContainEqual({
      path: 'fields',
      message: 'at most 20 custom fields',
    });
  });
});

describe('formToInput', () => {
  it('reshapes a flat form post into the JSON form', () => {
    const form = new URLSearchParams(
      'email=a%40b.co&consent=on&utm_source=google&utm_medium=cpc&landingPage=https%3A%2F%2Fx.io%2F' +
        '&offerType=white_paper&offerId=wp-1&fields%5Bteam_size%5D=12&buyingStage=comparing',
    );
    expect(formToInput(form)).toEqual({
      email: 'a@b.co',
      consent: true,
      buyingStage: 'comparing',
      source: { utm_source: 'google', utm_medium: 'cpc', landingPage: 'https://x.io/' },
      offer: { type: 'white_paper', id: 'wp-1' },
      fields: { team_size: '12' },
    });
  });

  it.each([
    ['off', false],
    ['false', false],
    ['1', true],
    ['maybe', 'maybe'],
  ])('reads consent=%s as %j', (word, expected) => {
    expect(formToInput(new URLSearchParams({ email: 'a@b.co', consent: word })).consent).toBe(expected);
  });
});

describe('isHoneypotFilled', () => {
  it.each([
    [{ email: 'a@b.co' }, false],
    [{ email: 'a@b.co', website: '' }, false],
    [{ email: 'a@b.co', website: '   ' }, false],
    [{ email: 'a@b.co', website: 'http://spam.example' }, true],
    [{ website: 1 }, true],
    ['text', false],
  ])('%j → %s', (input, expected) => {
    expect(isHoneypotFilled(input)).toBe(expected);
  });
});
