/**
 * Where a touch came from. A landing page may name its channel; when it does not, the channel is
 * derived from the UTM tags and the referrer by GA4's default channel grouping
 * (support.google.com/analytics/answer/9756891), so reports read like the analytics the marketer
 * already has. GA4's shopping, video, audio, SMS and push groups are folded into their nearest
 * channel here (video sites are social networks; shopping is search).
 */
export const channels = [
  'organic_search',
  'paid_search',
  'organic_social',
  'paid_social',
  'display',
  'paid_other',
  'affiliate',
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

const searchEngines =
  /(^|\.)(google|bing|duckduckgo|yahoo|baidu|yandex|ecosia|qwant|startpage|naver|seznam)\./;
const socialNetworks =
  /(^|\.)(linkedin|lnkd|twitter|x|t|facebook|fb|instagram|youtube|reddit|mastodon|threads|tiktok|pinterest|vimeo)\.(com|co|social|net|in)$/;
/** GA4's paid media: `^(.*cp.*|ppc|retargeting|paid.*)$`. */
const paidMedium = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const displayMedia: ReadonlySet<string> = new Set(['display', 'banner', 'expandable', 'interstitial', 'cpm']);
const socialMedia: ReadonlySet<string> = new Set([
  'social',
  'social-network',
  'social-media',
  'social_media',
  'social network',
  'social media',
  'sm',
]);
const referralMedia: ReadonlySet<string> = new Set(['referral', 'app', 'link']);
const emailNames: ReadonlySet<string> = new Set(['email', 'e-mail', 'e_mail', 'e mail', 'newsletter']);
/** A medium that names one of these channels outright (`utm_medium=paid_social`) is that channel. */
const namedChannels: ReadonlySet<string> = new Set([
  'paid_search',
  'paid_social',
  'organic_search',
  'organic_social',
  'display',
  'affiliate',
  'email',
  'referral',
]);

const hostOf = (url: string | undefined): string | undefined => {
  if (!url) return undefined;
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
};

/** A source tag names a site by host (`linkedin.com`) or by name (`linkedin`, `google`). */
const isSocial = (name: string | undefined): boolean =>
  name !== undefined && (socialNetworks.test(name) || socialNetworks.test(`${name}.com`));
const isSearch = (name: string | undefined): boolean =>
  name !== undefined && (searchEngines.test(name) || searchEngines.test(`${name}.`));

/** GA4's rules in GA4's order: the first that matches names the channel. */
export const deriveChannel = (source: SourceInput, landingHost?: string): string => {
  if (source.channel) return source.channel;
  const medium = source.utm_medium?.trim().toLowerCase() || undefined;
  const utmSource = source.utm_source?.trim().toLowerCase() || undefined;
  const referrerHost = hostOf(source.referrer);
  const site = utmSource ?? referrerHost;
  if (medium && namedChannels.has(medium)) return medium;
  if (medium && paidMedium.test(medium)) {
    if (isSearch(site)) return 'paid_search';
    if (isSocial(site)) return 'paid_social';
  }
  if (medium && displayMedia.has(medium)) return 'display';
  if (medium && paidMedium.test(medium)) return 'paid_other';
  if (isSocial(site) || (medium && socialMedia.has(medium))) return 'organic_social';
  if (isSearch(site) || medium === 'organic') return 'organic_search';
  if (medium && referralMedia.has(medium)) return 'referral';
  if ((medium && emailNames.has(medium)) || (utmSource && emailNames.has(utmSource))) return 'email';
  if (medium === 'affiliate') return 'affiliate';
  if (medium || utmSource) return 'other';
  if (referrerHost && referrerHost !== landingHost) return 'referral';
  return 'direct';
};

/** The where of a touch: what the page sent, with the channel always settled. */
export const whereFrom = (source: SourceInput | undefined): Where => {
  const given = source ?? {};
  const defined = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
  return { ...defined, channel: deriveChannel(given, hostOf(given.landingPage)) };
};
