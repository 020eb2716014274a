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
    // GA4's default channel grouping, rule by rule.
    [{ utm_source: 'linkedin', utm_medium: 'paid_social' }, 'paid_social'],
    [{ utm_source: 'facebook', utm_medium: 'paid_social' }, 'paid_social'],
    [{ utm_source: 'facebook.com', utm_medium: 'cpc' }, 'paid_social'],
    [{ utm_source: 'linkedin', utm_medium: 'ppc' }, 'paid_social'],
    [{ utm_source: 'instagram', utm_medium: 'retargeting' }, 'paid_social'],
    [{ utm_source: 'ads', utm_medium: 'paid_social' }, 'paid_social'],
    [{ utm_source: 'bing', utm_medium: 'paid_search' }, 'paid_search'],
    [{ utm_source: 'bing', utm_medium: 'ppc' }, 'paid_search'],
    [{ utm_source: 'google', utm_medium: 'paid' }, 'paid_search'],
    [{ utm_source: 'google', utm_medium: 'CPC' }, 'paid_search'],
    [{ utm_medium: 'cpc', referrer: 'https://www.google.com/' }, 'paid_search'],
    [{ utm_source: 'adroll', utm_medium: 'display' }, 'display'],
    [{ utm_source: 'adroll', utm_medium: 'banner' }, 'display'],
    [{ utm_source: 'adroll', utm_medium: 'cpm' }, 'display'],
    [{ utm_source: 'adroll', utm_medium: 'interstitial' }, 'display'],
    [{ utm_source: 'capterra', utm_medium: 'cpc' }, 'paid_other'],
    [{ utm_source: 'partner-site', utm_medium: 'paid' }, 'paid_other'],
    [{ utm_source: 'awin', utm_medium: 'affiliate' }, 'affiliate'],
    [{ utm_source: 'crm', utm_medium: 'e-mail' }, 'email'],
    [{ utm_source: 'crm', utm_medium: 'e_mail' }, 'email'],
    [{ utm_source: 'email', utm_medium: 'blast' }, 'email'],
    [{ utm_source: 'weekly', utm_medium: 'newsletter' }, 'email'],
    [{ utm_source: 'partner.io', utm_medium: 'referral' }, 'referral'],
    [{ utm_source: 'partner.io', utm_medium: 'link' }, 'referral'],
    [{ utm_source: 'store', utm_medium: 'app' }, 'referral'],
    [{ utm_source: 'google', utm_medium: 'organic' }, 'organic_search'],
    [{ utm_source: 'newsletter-x', utm_medium: 'organic' }, 'organic_search'],
    [{ utm_source: 'bing' }, 'organic_search'],
    [{ utm_source: 'reddit', utm_medium: 'post' }, 'organic_social'],
    [{ utm_source: 'community', utm_medium: 'social-network' }, 'organic_social'],
    [{ utm_source: 'community', utm_medium: 'social-media' }, 'organic_social'],
    [{ utm_source: 'community', utm_medium: 'sm' }, 'organic_social'],
    [{ utm_source: 'linkedin', utm_medium: 'organic_social' }, 'organic_social'],
    [{ utm_source: 'x', utm_medium: 'social' }, 'organic_social'],
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
