/**
 * Where a touch came from. A landing page may name its channel; when it does not, the channel is
 * derived from the UTM tags and the referrer the way web analytics tools classify traffic.
 */
export const channels = [
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'email',
  'referral',
  'news',
  'blog',
  'event',
  'partner',
  'third_party_list',
  'import',
  'direct',
  'other',
] as const;
export type Channel = (typeof channels)[number];

export interface SourceInput {
  /** A listed channel, or an unlisted one kept as its slug (scored as `other`). */
  channel?: string | undefined;
  utm_source?: string | undefined;
  utm_medium?: string | undefined;
  utm_campaign?: string | undefined;
  utm_term?: string | undefined;
  utm_content?: string | undefined;
  referrer?: string | undefined;
  landingPage?: string | undefined;
}

export type Where = SourceInput & { channel: string };

const searchEngines = /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|qwant|startpage)\./;
const socialNetworks =
  /(^|\.)(linkedin|lnkd|twitter|x|t|facebook|fb|instagram|youtube|reddit|mastodon|threads|tiktok)\.(com|co|social|net)$/;
const paidMedia = new Set(['cpc', 'ppc', 'paid', 'paidsearch', 'paid_search', 'sem', 'display', 'cpm']);
const socialMedia = new Set(['social', 'social-network', 'social_media', 'sm']);

const hostOf = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
};

const isSocial = (name: string | undefined): boolean =>
  name !== undefined && (socialNetworks.test(name) || socialNetworks.test(`${name}.com`));
const isSearch = (name: string | undefined): boolean =>
  name !== undefined && (searchEngines.test(name) || searchEngines.test(`${name}.`));

export const deriveChannel = (source: SourceInput, landingHost?: string): string => {
  if (source.channel) return source.channel;
  const medium = source.utm_medium?.toLowerCase();
  const utmSource = source.utm_source?.toLowerCase();
  const referrerHost = hostOf(source.referrer);
  if (medium && paidMedia.has(medium)) return isSocial(utmSource) ? 'paid_social' : 'paid_search';
  if (medium === 'email' || medium === 'newsletter') return 'email';
  if (medium && socialMedia.has(medium)) return 'organic_social';
  if (medium === 'referral') return 'referral';
  if (isSearch(referrerHost)) return 'organic_search';
  if (isSocial(referrerHost) || isSocial(utmSource)) return 'organic_social';
  if (referrerHost && referrerHost !== landingHost) return 'referral';
  if (medium || utmSource) return 'other';
  return 'direct';
};

/** The where of a touch: what the page sent, with the channel always settled. */
export const whereFrom = (source: SourceInput | undefined): Where => {
  const given = source ?? {};
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { ...defined, channel: deriveChannel(given, hostOf(given.landingPage)) };
};
