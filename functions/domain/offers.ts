/**
 * What the landing pages offer, and what a contact who asks for it is sent. A request is answered
 * whatever the contact said about marketing email: it is what the contact asked for, so it goes as
 * a transactional email, once per request.
 */
export interface CatalogueEntry {
  title: string;
  /** A path under the site URL, or an absolute URL: where the asset is, or where to join. */
  link: string;
  /** For a webinar or event: when it starts, as the email should print it. */
  startsAt?: string;
}

/**
 * Gated content and sessions by offer id. Edit this list when a new asset goes live: an offer
 * whose id is missing here still gets its confirmation, but content without a link cannot be sent.
 */
export const offerCatalogue: ReadonlyMap<string, CatalogueEntry> = new Map([
  ['pipeline-report-2027', { title: 'The 2027 Pipeline Report', link: '/resources/2027-pipeline-report' }],
  ['email-benchmarks', { title: 'B2B Email Benchmarks', link: '/resources/b2b-email-benchmarks' }],
  [
    'lead-scoring-webinar',
    {
      title: 'Lead scoring in practice (live webinar)',
      link: '/webinars/lead-scoring/join',
      startsAt: 'Thursday 4 March 2027, 16:00 UTC',
    },
  ],
]);

/** How an offer type reads in a sentence. */
export const offerLabels: ReadonlyMap<string, string> = new Map([
  ['white_paper', 'white paper'],
  ['ebook', 'e-book'],
  ['case_study', 'case study'],
  ['webinar', 'webinar'],
  ['event', 'event'],
  ['demo', 'demo'],
  ['trial', 'trial'],
  ['pricing', 'pricing'],
  ['consultation', 'consultation'],
  ['newsletter', 'newsletter'],
  ['giveaway', 'giveaway'],
]);

/** Offers that read without an article: "asked for pricing", not "a pricing". */
const uncountable: ReadonlySet<string> = new Set(['pricing']);

/**
 * An offer type in a sentence with its article: "a demo", "an e-book", "pricing". An unlisted type
 * (kept as the page's slug) reads as its words.
 */
export const offerPhrase = (type: string): string => {
  const label = offerLabels.get(type) ?? type.replaceAll(/[_-]+/g, ' ');
  if (uncountable.has(type)) return label;
  return `${/^[aeiou]/i.test(label) ? 'an' : 'a'} ${label}`;
};

/** The transactional template that answers each kind of request. */
const requestTemplates: ReadonlyMap<string, string> = new Map([
  ['white_paper', 'requested-content'],
  ['ebook', 'requested-content'],
  ['case_study', 'requested-content'],
  ['webinar', 'webinar-registration'],
  ['event', 'webinar-registration'],
  ['demo', 'request-received'],
  ['consultation', 'request-received'],
  ['pricing', 'request-received'],
  ['trial', 'request-received'],
]);

/**
 * The template that answers an offer, or undefined when the offer promises nothing by email (a
 * newsletter is marketing, and waits for consent), or when it is content whose link we do not know.
 */
export const requestTemplateFor = (offer: { type: string; id?: string | undefined } | undefined) => {
  const template = offer ? requestTemplates.get(offer.type) : undefined;
  if (template === 'requested-content' && !(offer?.id && offerCatalogue.has(offer.id))) return undefined;
  return template;
};

/** An absolute http(s) link: catalogue paths are read under the site URL, keeping its own path. */
export const absoluteLink = (link: string, siteUrl: string): string => {
  if (/^https?:\/\//i.test(link)) return new URL(link).href;
  return new URL(link.replace(/^\//, ''), siteUrl.endsWith('/') ? siteUrl : `${siteUrl}/`).href;
};
