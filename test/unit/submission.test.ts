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
    expect(result).toEqual({ ok: true, value: { email: 'Jane.Doe@Example.COM' }, ignored: [] });
  });

  it('treats blank optional fields as not given', () => {
    const result = parseSubmission({ email: 'a@b.co', firstName: '  ', company: '' });
    expect(result.ok && result.value).toEqual({ email: 'a@b.co' });
  });

  it.each([
    [{}, 'email', 'is required'],
    [{ email: 'not-an-email' }, 'email', 'must be a valid email address'],
    [{ email: true }, 'email', 'must be a string'],
    [{ email: 'a@b.co\r\nBcc: x@y.z' }, 'email', 'must not contain control characters (such as CR or LF)'],
    [{ email: 'a@b.co', firstName: 'Jane\nDoe' }, 'firstName', 'must not contain control characters'],
    [{ email: 'a@b.co', source: { utm_source: 'x\u0007y' } }, 'source.utm_source', 'control characters'],
    [{ email: 'a@b.co', consent: 'maybe' }, 'consent', 'must be true or false'],
    [{ email: 'a@b.co', firstName: 'x'.repeat(101) }, 'firstName', 'at most 100 characters'],
    [{ email: 'a@b.co', phone: 'x'.repeat(61) }, 'phone', 'at most 60 characters'],
    [[], '(body)', 'expected object'],
  ])('refuses %j at %s', (input, path, message) => {
    const issues = issuesOf(input);
    expect(issues).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('reads labels however they are spelt, and keeps an unlisted one as a slug', () => {
    const result = parseSubmission({
      email: 'a@b.co',
      offer: { type: 'White Paper' },
      source: { channel: 'Paid-Search' },
      buyingStage: 'Ready To Talk',
    });
    expect(result.ok && result.value).toMatchObject({
      offer: { type: 'white_paper' },
      source: { channel: 'paid_search' },
      buyingStage: 'ready_to_talk',
    });
    const unlisted = parseSubmission({ email: 'a@b.co', offer: 'Podcast Ep. 12', source: { channel: 'TV' } });
    expect(unlisted.ok && unlisted.value).toMatchObject({
      offer: { type: 'podcast_ep_12' },
      source: { channel: 'tv' },
    });
  });

  it('keeps what browsers and ad tools add, and sets aside what it cannot keep', () => {
    const result = parseSubmission({
      email: 'u@bücher.de',
      firstName: null,
      company: 'Acme\tCorp',
      phone: '1-800-FLOWERS ext. 89',
      consent: 'yes',
      gclid: 'abc123',
      submit: 'Send',
      // As JSON.parse hands it over: an own key, not the literal's prototype.
      ...JSON.parse('{"__proto__": "x"}'),
      constructor: 'y',
      source: { utm_id: '7', utm_source: 'news' },
      fields: { team_size: 12, '1bad': 'x', toString: 'z' },
    });
    expect(result.ok && { ...result.value, fields: { ...result.value.fields } }).toEqual({
      email: 'u@bücher.de',
      company: 'Acme Corp',
      phone: '1-800-FLOWERS ext. 89',
      consent: true,
      source: { utm_source: 'news' },
      fields: { team_size: 12, gclid: 'abc123' },
    });
    expect(result.ignored.sort()).toEqual(
      ['__proto__', 'constructor', 'fields.1bad', 'fields.toString', 'source.utm_id', 'submit'].sort(),
    );
  });

  it('caps custom fields, keeping the first ones', () => {
    const fields = Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`f${i}`, i]));
    const result = parseSubmission({ email: 'a@b.co', fields });
    expect(result.ok && Object.keys(result.value.fields ?? {})).toHaveLength(20);
    expect(result.ignored).toHaveLength(5);
  });
});

describe('formToInput', () => {
  it('reshapes a flat form post into the JSON form', () => {
    const form = new URLSearchParams(
      'email=a%40b.co&consent=on&utm_source=google&utm_medium=cpc&landingPage=https%3A%2F%2Fx.io%2F' +
        '&offerType=white_paper&offerId=wp-1&fields%5Bteam_size%5D=12&buyingStage=comparing',
    );
    expect(JSON.parse(JSON.stringify(formToInput(form)))).toEqual({
      email: 'a@b.co',
      consent: 'on',
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
    ['on', true],
    ['', undefined],
  ])('reads consent=%s as %j', (word, expected) => {
    const result = parseSubmission(formToInput(new URLSearchParams({ email: 'a@b.co', consent: word })));
    expect(result.ok && result.value.consent).toBe(expected);
  });

  it('keeps a pollution key as data', () => {
    const input = formToInput(new URLSearchParams('email=a%40b.co&__proto__=x&fields[__proto__]=y'));
    expect(Object.getPrototypeOf(input)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.keys(input)).toEqual(['email', '__proto__', 'fields']);
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

describe('flat fields in JSON', () => {
  it('reads offerType, offerId and utm_* as a form post’s when the nested objects are absent', () => {
    const parsed = parseSubmission({
      email: 'flat@example.com',
      offerType: 'Webinar',
      offerId: 'lead-scoring-webinar',
      utm_source: 'linkedin',
      utm_medium: 'paid_social',
    });
    expect(parsed.ok && parsed.value.offer).toEqual({ type: 'webinar', id: 'lead-scoring-webinar' });
    expect(parsed.ok && parsed.value.source).toMatchObject({
      utm_source: 'linkedin',
      utm_medium: 'paid_social',
    });
  });

  it('keeps the nested object when both are sent', () => {
    const parsed = parseSubmission({
      email: 'both@example.com',
      offer: { type: 'demo' },
      offerType: 'ebook',
    });
    expect(parsed.ok && parsed.value.offer).toEqual({ type: 'demo' });
  });
});
