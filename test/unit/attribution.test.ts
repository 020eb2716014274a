import { describe, expect, it } from 'vitest';
import { deriveChannel, whereFrom } from '../../functions/domain/attribution.js';

describe('deriveChannel', () => {
  it.each([
    [{ channel: 'event' as const, utm_medium: 'cpc' }, 'event'],
    [{ utm_source: 'google', utm_medium: 'cpc' }, 'paid_search'],
    [{ utm_source: 'linkedin', utm_medium: 'paid' }, 'paid_social'],
    [{ utm_source: 'newsletter', utm_medium: 'email' }, 'email'],
    [{ utm_source: 'linkedin', utm_medium: 'social' }, 'organic_social'],
    [{ referrer: 'https://www.google.com/' }, 'organic_search'],
    [{ referrer: 'https://duckduckgo.com/?q=leads' }, 'organic_search'],
    [{ referrer: 'https://www.linkedin.com/feed/' }, 'organic_social'],
    [{ referrer: 'https://t.co/abc' }, 'organic_social'],
    [{ referrer: 'https://news.ycombinator.com/item?id=1' }, 'referral'],
    [{ utm_source: 'podcast' }, 'other'],
    [{}, 'direct'],
    [{ referrer: 'not a url' }, 'direct'],
  ])('%j → %s', (source, channel) => {
    expect(deriveChannel(source)).toBe(channel);
  });

  it('does not count a visit from the landing site itself as a referral', () => {
    expect(deriveChannel({ referrer: 'https://acme.io/pricing' }, 'acme.io')).toBe('direct');
  });
});

describe('whereFrom', () => {
  it('keeps what the page sent and settles the channel', () => {
    expect(
      whereFrom({
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'q1',
        landingPage: 'https://a.io/',
      }),
    ).toEqual({
      utm_source: 'google',
      utm_medium: 'cpc',
      utm_campaign: 'q1',
      landingPage: 'https://a.io/',
      channel: 'paid_search',
    });
  });

  it('calls a touch with no source direct', () => {
    expect(whereFrom(undefined)).toEqual({ channel: 'direct' });
  });
});
