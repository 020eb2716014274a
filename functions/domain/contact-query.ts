import * as z from 'zod';
import { channels } from './attribution.js';
import type { Profile } from './contact.js';
import { funnelStages, sideStates } from './stages.js';
import { type FieldIssue, type Parsed, parseWith } from './validation.js';

export const defaultPageSize = 50;
export const maxPageSize = 200;

/**
 * Lower-case, composed, single-spaced: what `q` and the stored `searchText` are both reduced to,
 * so a substring match ignores case, Unicode composition and stray spaces.
 */
export const normaliseSearch = (text: string): string =>
  text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * The text `q` matches: first and last name (joined, so "ada love" finds Ada Lovelace), company and
 * email, one per line (a normalised `q` holds no line break, so no match spans two fields).
 */
export const searchTextOf = (
  contact: Pick<Profile, 'firstName' | 'lastName' | 'company'> & { email: string },
) =>
  [[contact.firstName, contact.lastName].filter(Boolean).join(' '), contact.company, contact.email]
    .filter((part): part is string => Boolean(part))
    .map(normaliseSearch)
    .join('\n');

/** The profile fields `searchText` is made of, besides the email (which never changes). */
export const searchedProfileFields = ['firstName', 'lastName', 'company'] as const;

/** What the list is narrowed to and in which order; the cursor belongs to exactly one of these. */
export interface ContactFilter {
  stage?: string;
  /** Normalised (`normaliseSearch`): a case-insensitive substring of `searchText`. */
  q?: string;
  channel?: string;
  /** ISO instant, inclusive. */
  createdFrom?: string;
  /** ISO instant, exclusive. */
  createdBefore?: string;
  /** When the contact entered `stage` (with `stage` only): ISO instant, inclusive. */
  enteredFrom?: string;
  /** ISO instant, exclusive. */
  enteredBefore?: string;
  sort: 'newest' | 'oldest';
}

export type ContactQuery =
  | { kind: 'email'; email: string }
  | { kind: 'list'; filter: ContactFilter; limit: number; cursor?: string };

const day = /^\d{4}-\d{2}-\d{2}$/;
const instant = z.iso.datetime({ offset: true });
const dateOrInstant = z
  .string()
  .trim()
  .refine((text) => (day.test(text) || instant.safeParse(text).success) && !Number.isNaN(Date.parse(text)), {
    message: 'is not an ISO date (2026-11-30) or date-time (2026-11-30T09:00:00Z)',
  });

const querySchema = z
  .strictObject({
    email: z.string().trim().min(1, 'is empty').optional(),
    stage: z.enum([...funnelStages, ...sideStates]).optional(),
    q: z
      .string()
      .transform(normaliseSearch)
      .pipe(z.string().min(1, 'is empty').max(100, 'is longer than 100 characters'))
      .optional(),
    channel: z.enum(channels).optional(),
    createdFrom: dateOrInstant.optional(),
    createdTo: dateOrInstant.optional(),
    enteredFrom: dateOrInstant.optional(),
    enteredTo: dateOrInstant.optional(),
    sort: z.enum(['newest', 'oldest']).default('newest'),
    limit: z
      .string()
      .regex(/^\d+$/, 'is not a whole number')
      .transform(Number)
      .pipe(z.number().min(1, 'is less than 1').max(maxPageSize, `is more than ${maxPageSize}`))
      .default(defaultPageSize),
    cursor: z.string().min(1, 'is empty').optional(),
  })
  .refine(
    (query) => {
      const { from, before } = bounds(query.createdFrom, query.createdTo);
      return !from || !before || from < before;
    },
    {
      message: 'is before createdFrom',
      path: ['createdTo'],
    },
  )
  .refine(
    (query) => {
      const { from, before } = bounds(query.enteredFrom, query.enteredTo);
      return !from || !before || from < before;
    },
    {
      message: 'is before enteredFrom',
      path: ['enteredTo'],
    },
  )
  .refine((query) => query.stage || (!query.enteredFrom && !query.enteredTo), {
    message: 'needs stage: it is when contacts entered that stage',
    path: ['stage'],
  });

/** A period's ends as ISO instants: a day is a UTC day, and `to` includes all of its day, or its very instant. */
const bounds = (fromText: string | undefined, toText: string | undefined) => {
  // Runs even when a date failed its own check: an unreadable one is then left out here.
  const at = (text: string | undefined, plus = 0) => {
    const time = text ? Date.parse(text) : Number.NaN;
    return Number.isNaN(time) ? undefined : new Date(time + plus).toISOString();
  };
  return {
    from: at(fromText),
    before: at(toText, toText && day.test(toText) ? 86_400_000 : 1),
  };
};

/**
 * `GET /v1/contacts`'s query string: `email` is the exact lookup (the dedupe key's way), anything
 * else a filtered, paged list. Parameters a client misspelled are refused rather than ignored: an
 * unfiltered list is not what someone who asked for a filter wants.
 */
export const parseContactQuery = (
  params: Record<string, string | undefined> | undefined,
): Parsed<ContactQuery> => {
  const parsed = parseWith(querySchema, { ...params });
  if (!parsed.ok) return parsed;
  const { email, stage, q, channel, sort, limit, cursor } = parsed.value;
  if (email) return { ok: true, value: { kind: 'email', email } };
  const { from, before } = bounds(parsed.value.createdFrom, parsed.value.createdTo);
  const entered = bounds(parsed.value.enteredFrom, parsed.value.enteredTo);
  const filter: ContactFilter = {
    ...(stage ? { stage } : {}),
    ...(q ? { q } : {}),
    ...(channel ? { channel } : {}),
    ...(from ? { createdFrom: from } : {}),
    ...(before ? { createdBefore: before } : {}),
    ...(entered.from ? { enteredFrom: entered.from } : {}),
    ...(entered.before ? { enteredBefore: entered.before } : {}),
    sort,
  };
  return { ok: true, value: { kind: 'list', filter, limit, ...(cursor ? { cursor } : {}) } };
};

/** Where the next page starts: an index's LastEvaluatedKey, and the creation month being walked. */
export interface ListPosition {
  month?: string;
  key?: Record<string, string>;
}

/** The filter a cursor was made for, in one fixed order; the page size may change between pages. */
const fingerprint = (filter: ContactFilter) =>
  JSON.stringify([
    filter.stage,
    filter.q,
    filter.channel,
    filter.createdFrom,
    filter.createdBefore,
    filter.sort,
    filter.enteredFrom,
    filter.enteredBefore,
  ]);

export const encodeCursor = (filter: ContactFilter, position: ListPosition): string =>
  Buffer.from(JSON.stringify({ filter: fingerprint(filter), ...position })).toString('base64url');

const cursorSchema = z.strictObject({
  filter: z.string(),
  month: z
    .string()
    .regex(/^\d{4}-\d{2}$/)
    .optional(),
  // Checked by hand below: its names are the caller's, and become no object's keys.
  key: z.unknown().optional(),
});

const badCursor = (message: string): Parsed<ListPosition> => ({
  ok: false,
  issues: [{ path: 'cursor', message } satisfies FieldIssue],
});

/**
 * Reads a cursor back, for the filter it is used with. The key must name exactly the attributes of
 * the index that filter is listed from (`keyNames`): it is handed to DynamoDB, and is rebuilt from
 * those names, so nothing of the caller's becomes an object key.
 */
export const decodeCursor = (
  text: string,
  filter: ContactFilter,
  keyNames: readonly string[],
): Parsed<ListPosition> => {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return badCursor('is not a cursor this API gave');
  }
  const parsed = cursorSchema.safeParse(decoded);
  if (!parsed.success) return badCursor('is not a cursor this API gave');
  const { filter: madeFor, month, key } = parsed.data;
  if (madeFor !== fingerprint(filter)) return badCursor('was made for other filters: start again without it');
  if (key === undefined) return { ok: true, value: month ? { month } : {} };
  const given = new Map(
    typeof key === 'object' && key !== null && !Array.isArray(key) ? Object.entries(key) : [],
  );
  const fits = (name: string) => {
    const value = given.get(name);
    return typeof value === 'string' && value.length <= 2048;
  };
  if (given.size !== keyNames.length || !keyNames.every(fits)) {
    return badCursor('is not a cursor this API gave');
  }
  const rebuilt = Object.fromEntries(keyNames.map((name) => [name, given.get(name) ?? '']));
  return { ok: true, value: { ...(month ? { month } : {}), key: rebuilt } };
};
