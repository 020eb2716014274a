import * as z from 'zod';
import { channels } from './attribution.js';
import { isEmailAddress } from './email-address.js';
import { labelOf, matchLabel } from './labels.js';
import { buyingStages } from './stages.js';
import { type Parsed, parseWith } from './validation.js';

/**
 * What a landing page may send to the intake. Only the email is required: the prospect is in
 * control, and no form ever needs more. Never lose a real lead: what browsers and marketing
 * tools commonly add (click ids, a submit button's name, `null` for an empty field, a tab in a
 * pasted company name) is kept or ignored, never a reason to refuse. Only what can harm is
 * refused: CR/LF and other control characters, overlong values.
 */
const harmfulControl = /[\p{Cc}]/u;
/** A tab or any other run of spacing is one space once it reaches us. */
const spacing = /[\t\p{Zs}\u2028\u2029]+/gu;

const text = (max: number) =>
  z
    .union([z.string(), z.number()], {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string'),
    })
    .transform((value) => String(value).replace(spacing, ' '))
    .refine((value) => !harmfulControl.test(value), 'must not contain control characters (such as CR or LF)')
    .transform((value) => value.trim())
    .pipe(z.string().max(max, `must be at most ${max} characters`));

/** An optional text field where a blank value (an empty form input) means "not given". */
const optionalText = (max: number) =>
  text(max)
    .transform((value) => (value === '' ? undefined : value))
    .optional();

export const offerTypes = [
  'white_paper',
  'ebook',
  'case_study',
  'webinar',
  'event',
  'demo',
  'trial',
  'pricing',
  'consultation',
  'newsletter',
  'giveaway',
  'other',
] as const;

/** A listed label, else the given one's slug; blank or unreadable is "not given". */
const label = (listed: readonly string[]) =>
  optionalText(100).transform((value) => (value === undefined ? undefined : labelOf(value, listed)));

const truthy = new Set(['true', 'on', 'yes', '1', 'y', 'checked']);
const falsy = new Set(['false', 'off', 'no', '0', 'n']);

/**
 * `true`, or a checkbox word (`on`, `yes`, `1`) from a form or a tool that sends strings. Blank
 * is "not asked", never a "no": a "no" withdraws consent.
 */
const consentValue = z.union([z.boolean(), z.string(), z.number()]).transform((value, context) => {
  if (typeof value === 'boolean') return value;
  const word = String(value).trim().toLowerCase();
  if (word === '') return undefined;
  if (truthy.has(word)) return true;
  if (falsy.has(word)) return false;
  context.addIssue({ code: 'custom', message: 'must be true or false' });
  return z.NEVER;
});

export const customFieldName = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;
export const maxCustomFields = 20;
export const maxCustomFieldLength = 500;

export type CustomFields = Record<string, string | number | boolean>;

export const submissionSchema = z.object({
  email: text(254).refine(isEmailAddress, 'must be a valid email address'),
  firstName: optionalText(100),
  lastName: optionalText(100),
  company: optionalText(200),
  jobTitle: optionalText(200),
  /** Free-form: `+1 (800) FLOWERS ext. 89` is a real number. */
  phone: optionalText(60),
  consent: consentValue.optional(),
  buyingStage: optionalText(100).transform((value) =>
    value === undefined ? undefined : matchLabel(value, buyingStages),
  ),
  form: optionalText(100),
  /**
   * A consent wording the form showed, so the consent ledger can prove what was agreed to.
   * Without it the ledger records the form id.
   */
  consentText: optionalText(1000),
  offer: z
    .object({
      type: label(offerTypes).transform((value) => value ?? 'other'),
      id: optionalText(100),
    })
    .optional(),
  source: z
    .object({
      channel: label(channels),
      utm_source: optionalText(200),
      utm_medium: optionalText(200),
      utm_campaign: optionalText(200),
      utm_term: optionalText(200),
      utm_content: optionalText(200),
      referrer: optionalText(2000),
      landingPage: optionalText(2000),
    })
    .optional(),
  /** Prepared by `prepareSubmission`: only usable names and values reach it. */
  fields: z.custom<CustomFields>().optional(),
  /** Honeypot: invisible to people, filled by bots. */
  website: z.unknown().optional(),
});

export type Submission = z.infer<typeof submissionSchema>;

const topLevelKeys = new Set(Object.keys(submissionSchema.shape));
const nestedKeys: Record<'offer' | 'source', ReadonlySet<string>> = {
  offer: new Set(['type', 'id']),
  source: new Set([
    'channel',
    'utm_source',
    'utm_medium',
    'utm_campaign',
    'utm_term',
    'utm_content',
    'referrer',
    'landingPage',
  ]),
};

/** What pages add for their own use (a button's name, a captcha's answer): never worth keeping. */
const pageNoise = new Set([
  'submit',
  'g-recaptcha-response',
  'h-captcha-response',
  'cf-turnstile-response',
  'action',
]);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A name a custom field may have: readable, and never one of `Object.prototype`'s (`constructor`,
 * `toString`...), so no reader of the stored map can mistake a field for a built-in.
 */
const isUsableFieldName = (name: string) => customFieldName.test(name) && !(name in Object.prototype);

const isUsableFieldValue = (value: unknown): value is string | number | boolean =>
  (typeof value === 'string' && value.length <= maxCustomFieldLength && !/[\r\n]/.test(value)) ||
  (typeof value === 'number' && Number.isFinite(value)) ||
  typeof value === 'boolean';

export interface PreparedSubmission {
  input: unknown;
  /** Fields neither used nor kept, for the log: names only, never their values. */
  ignored: string[];
}

/**
 * Takes what the schema checks out of whatever arrived, into null-prototype records: `null` is
 * "not given", an unknown top-level field with a short value joins the custom fields (click ids
 * such as `gclid` are worth keeping), and anything else unknown is set aside for the log.
 */
export const prepareSubmission = (received: unknown): PreparedSubmission => {
  if (!isRecord(received)) return { input: received, ignored: [] };
  const raw = foldFlatJson(received);
  const ignored: string[] = [];
  const input: Record<string, unknown> = Object.create(null);
  const fields = new Map<string, string | number | boolean>();
  const keep = (name: string, value: unknown, path: string) => {
    const spaced = typeof value === 'string' ? value.replace(spacing, ' ').trim() : value;
    if (spaced === '' || spaced === null) return;
    if (fields.size < maxCustomFields && isUsableFieldName(name) && isUsableFieldValue(spaced)) {
      if (!fields.has(name)) fields.set(name, spaced);
    } else ignored.push(path);
  };
  const given = isRecord(raw.fields) ? raw.fields : undefined;
  if (raw.fields !== undefined && raw.fields !== null && !given) ignored.push('fields');
  for (const [name, value] of Object.entries(given ?? {})) keep(name, value, `fields.${name}`);

  for (const [key, value] of Object.entries(raw)) {
    if (value === null || key === 'fields') continue;
    if (!topLevelKeys.has(key)) {
      if (pageNoise.has(key.toLowerCase())) ignored.push(key);
      else keep(key, value, key);
      continue;
    }
    if (key === 'offer' && typeof value === 'string') {
      input.offer = Object.assign(Object.create(null), { type: value });
      continue;
    }
    const known = key === 'offer' || key === 'source' ? nestedKeys[key] : undefined;
    if (!known || !isRecord(value)) {
      input[key] = value;
      continue;
    }
    const nested: Record<string, unknown> = Object.create(null);
    for (const [name, inner] of Object.entries(value)) {
      if (inner === null) continue;
      if (known.has(name)) nested[name] = inner;
      else ignored.push(`${key}.${name}`);
    }
    input[key] = nested;
  }
  if (fields.size > 0) input.fields = Object.assign(Object.create(null), Object.fromEntries(fields));
  return { input, ignored };
};

export const parseSubmission = (raw: unknown): Parsed<Submission> & { ignored: string[] } => {
  const { input, ignored } = prepareSubmission(raw);
  return { ...parseWith(submissionSchema, input), ignored };
};

/** A bot filled the hidden field: answer as if accepted, store nothing. */
export const isHoneypotFilled = (input: unknown): boolean => {
  if (!isRecord(input)) return false;
  const website = input.website;
  return typeof website === 'string' ? website.trim() !== '' : website !== undefined && website !== null;
};

const sourceKeys = nestedKeys.source;

/**
 * Tools that post JSON often send the flat fields a form has (`offerType`, `utm_source`): read
 * them as a form post's, unless the nested `offer` or `source` is there too.
 */
const foldFlatJson = (raw: Record<string, unknown>): Record<string, unknown> => {
  const foldOffer = raw.offer === undefined || raw.offer === null;
  const foldSource = raw.source === undefined || raw.source === null;
  const folded: Record<string, unknown> = Object.create(null);
  const offer: Record<string, unknown> = Object.create(null);
  const source: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(raw)) {
    if (foldOffer && key === 'offerType') offer.type = value;
    else if (foldOffer && key === 'offerId') offer.id = value;
    else if (foldSource && sourceKeys.has(key)) source[key] = value;
    else folded[key] = value;
  }
  if (Object.keys(offer).length > 0) folded.offer = offer;
  if (Object.keys(source).length > 0) folded.source = source;
  return folded;
};

/**
 * A form post is flat; reshape it into the JSON form the schema checks: `utm_*`, `channel`,
 * `referrer` and `landingPage` into `source`, `offerType`/`offerId` into `offer`,
 * `fields[name]` (or `fields.name`) into `fields`. Every record is null-prototype: the names
 * come from outside.
 */
export const formToInput = (form: URLSearchParams): Record<string, unknown> => {
  const record = (): Record<string, unknown> => Object.create(null);
  const input = record();
  const source = record();
  const offer = record();
  const fields = record();
  for (const [key, value] of form) {
    const custom = /^fields(?:\[([^\]]*)\]|\.(.+))$/.exec(key);
    if (custom) fields[custom[1] ?? custom[2] ?? ''] = value;
    else if (sourceKeys.has(key)) source[key] = value;
    else if (key === 'offerType') offer.type = value;
    else if (key === 'offerId') offer.id = value;
    else input[key] = value;
  }
  if (Object.keys(source).length > 0) input.source = source;
  if (Object.keys(offer).length > 0) input.offer = offer;
  if (Object.keys(fields).length > 0) input.fields = fields;
  return input;
};
