import { z } from 'zod';
import { channels } from './attribution.js';
import { buyingStages } from './stages.js';
import { type Parsed, parseWith } from './validation.js';

/**
 * What a landing page may send to the intake. Only the email is required: the prospect is in
 * control, and no form ever needs more. Unknown fields are refused so a typo in a page's field
 * name shows up at once instead of silently losing data.
 */
const controlCharacters = /\p{Cc}/u;

const text = (max: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .refine(
      (value) => !controlCharacters.test(value),
      'must not contain control characters (such as CR or LF)',
    )
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

const customFieldKey = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;
const maxCustomFields = 20;

export const submissionSchema = z.strictObject({
  email: text(254).pipe(z.email('must be a valid email address')),
  firstName: optionalText(100),
  lastName: optionalText(100),
  company: optionalText(200),
  jobTitle: optionalText(200),
  phone: optionalText(40).pipe(
    z
      .string()
      .regex(/^[0-9+().\-\s/x]+$/, 'may hold only digits, spaces and + ( ) - . /')
      .optional(),
  ),
  consent: z.boolean('must be true or false').optional(),
  buyingStage: z.enum(buyingStages, `must be one of ${buyingStages.join(', ')}`).optional(),
  form: optionalText(100),
  offer: z
    .strictObject({
      type: z.enum(offerTypes, `must be one of ${offerTypes.join(', ')}`),
      id: optionalText(100),
    })
    .optional(),
  source: z
    .strictObject({
      channel: z.enum(channels, `must be one of ${channels.join(', ')}`).optional(),
      utm_source: optionalText(200),
      utm_medium: optionalText(200),
      utm_campaign: optionalText(200),
      utm_term: optionalText(200),
      utm_content: optionalText(200),
      referrer: optionalText(2000),
      landingPage: optionalText(2000),
    })
    .optional(),
  fields: z
    .record(
      z.string().regex(customFieldKey, 'custom field names are letters, digits, _ . - (at most 40)'),
      z.union([text(500), z.number(), z.boolean()], 'must be a string, number or boolean'),
    )
    .refine((map) => Object.keys(map).length <= maxCustomFields, `at most ${maxCustomFields} custom fields`)
    .optional(),
  /** Honeypot: invisible to people, filled by bots. */
  website: z.string().optional(),
});

export type Submission = z.infer<typeof submissionSchema>;

export const parseSubmission = (input: unknown): Parsed<Submission> => parseWith(submissionSchema, input);

/** A bot filled the hidden field: answer as if accepted, store nothing. */
export const isHoneypotFilled = (input: unknown): boolean => {
  if (typeof input !== 'object' || input === null) return false;
  const website = (input as Record<string, unknown>).website;
  return typeof website === 'string' ? website.trim() !== '' : website !== undefined && website !== null;
};

const sourceKeys = new Set([
  'channel',
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'utm_term',
  'utm_content',
  'referrer',
  'landingPage',
]);
const truthy = new Set(['true', 'on', 'yes', '1']);
const falsy = new Set(['false', 'off', 'no', '0']);

/**
 * A form post is flat; reshape it into the JSON form the schema checks: `utm_*`, `channel`,
 * `referrer` and `landingPage` into `source`, `offerType`/`offerId` into `offer`,
 * `fields[name]` (or `fields.name`) into `fields`, checkbox words into booleans.
 */
export const formToInput = (form: URLSearchParams): Record<string, unknown> => {
  const input: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  const offer: Record<string, string> = {};
  const fields: Record<string, string> = {};
  for (const [key, value] of form) {
    const custom = /^fields(?:\[([^\]]*)\]|\.(.+))$/.exec(key);
    if (custom) fields[custom[1] ?? custom[2] ?? ''] = value;
    else if (sourceKeys.has(key)) source[key] = value;
    else if (key === 'offerType') offer.type = value;
    else if (key === 'offerId') offer.id = value;
    else if (key === 'consent') {
      const word = value.trim().toLowerCase();
      input.consent = truthy.has(word) ? true : falsy.has(word) ? false : value;
    } else input[key] = value;
  }
  if (Object.keys(source).length > 0) input.source = source;
  if (Object.keys(offer).length > 0) input.offer = offer;
  if (Object.keys(fields).length > 0) input.fields = fields;
  return input;
};
