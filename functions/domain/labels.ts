import { mentionsAddress } from './email-address.js';

/**
 * Labels (`offer.type`, `source.channel`, `buyingStage`) as pages and ad tools spell them:
 * `Webinar`, `white-paper`, `White Paper`, `whitepaper` all mean `white_paper`.
 */
const fold = (value: string) =>
  value
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\s_-]+/g, '_')
    .replace(/^_+|_+$/g, '');

const squeezed = (value: string) => value.replace(/_/g, '');

/** The listed label the value names, or undefined. */
export const matchLabel = <T extends string>(value: string, listed: readonly T[]): T | undefined => {
  const wanted = squeezed(fold(value));
  return listed.find((label) => squeezed(label) === wanted);
};

export const maxSlugLength = 40;

/**
 * An unlisted label kept as a short slug (`Podcast Ep. 12` → `podcast_ep_12`), so a report shows
 * it and a marketer can name it; undefined when nothing readable is left.
 */
export const slugOf = (value: string): string | undefined => {
  const slug = fold(value)
    .replace(/[^\p{L}\p{N}_]+/gu, '_')
    .replace(/_+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, maxSlugLength)
    .replace(/_+$/, '');
  return slug === '' ? undefined : slug;
};

/** A listed label, or the value's slug when it is not listed. */
export const labelOf = <T extends string>(value: string, listed: readonly T[]): T | string | undefined =>
  matchLabel(value, listed) ?? slugOf(value);

// A number written as people write phone numbers (`+49 30 1234567`, `(800) 555-0100`,
// `800.555.0100`); a bare run of digits stays, as ad platforms' campaign ids are just that.
const phoneLike = /\+\d[\d\s().-]{6,}\d|\(\d{2,5}\)\s?\d{3}|\d{3}[\s.-]\d{3}[\s.-]\d{4}/;

/**
 * A value a link or form carried that names a person (an address, a phone number) is counted in
 * reports as `other`: a report label outlives the contact's erasure and is read by every role.
 */
export const reportLabel = (value: string): string => (namesPerson(value) ? 'other' : value);

/** True when the value holds an address or a phone number. */
export const namesPerson = (value: string): boolean => mentionsAddress(value) || phoneLike.test(value);
