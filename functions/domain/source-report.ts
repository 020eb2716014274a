import { reportLabel } from './labels.js';
import type { Stage } from './stages.js';
import type { Touch } from './touch.js';

/**
 * What the source report splits by: the contact's first touch, where it came from (channel,
 * utm_source, utm_campaign), what it did (the form) and why (the offer it asked for).
 */
export const sourceDimensions = [
  { dimension: 'channel', describes: 'where' },
  { dimension: 'utm_source', describes: 'where' },
  { dimension: 'utm_campaign', describes: 'where' },
  { dimension: 'form', describes: 'what' },
  { dimension: 'offer', describes: 'why' },
] as const;
export type SourceDimension = (typeof sourceDimensions)[number]['dimension'];

/** The stages the report counts as reached, in funnel order: reaching one implies those before it. */
export const milestones = ['lead', 'sales_lead', 'opportunity', 'customer'] as const;
export type Milestone = (typeof milestones)[number];
/** The furthest milestone a contact has been counted for; `none` before it became a lead. */
export type Reached = Milestone | 'none';

/** utm values are whatever a link carried: a counter's key holds at most this many characters of one. */
export const maxValueLength = 100;
/** Values past this many per dimension are summed into `rest`, so the answer stays small. */
export const maxRowsPerDimension = 50;

const noValue = '(none)';
const boundedValue = (text: string | undefined): string => {
  const trimmed = text?.trim();
  return trimmed ? reportLabel(Array.from(trimmed).slice(0, maxValueLength).join('')) : noValue;
};

export const sourceValuesOf = (
  touch: Pick<Touch, 'where' | 'what' | 'why'>,
): { dimension: SourceDimension; value: string }[] => [
  { dimension: 'channel', value: boundedValue(touch.where.channel) },
  { dimension: 'utm_source', value: boundedValue(touch.where.utm_source) },
  { dimension: 'utm_campaign', value: boundedValue(touch.where.utm_campaign) },
  { dimension: 'form', value: boundedValue(touch.what?.form) },
  { dimension: 'offer', value: boundedValue(touch.why?.offer?.type) },
];

/** One counter change: the contacts created in `month` with this value, and what they reached. */
export interface SourceDelta {
  month: string;
  dimension: SourceDimension;
  value: string;
  /** True when the contact itself is new to the counts. */
  contact: boolean;
  milestones: Milestone[];
}

export interface SourceCounting {
  /** What the contact is now counted for: saved on it with the counters. */
  reached: Reached;
  deltas: SourceDelta[];
}

/** 1 for lead … 4 for customer; 0 for any other stage (recycled, disqualified, …). */
const rankOf = (stage: Stage | Reached): number => milestones.indexOf(stage as Milestone) + 1;

interface Counted {
  createdAt: string;
  firstTouch: Pick<Touch, 'where' | 'what' | 'why'>;
}

/** Counters go by the contact's creation month, so a period is a cohort: its contacts and where they got. */
const counting = (contact: Counted, isNew: boolean, from: number, to: number): SourceCounting => ({
  reached: milestones[to - 1] ?? 'none',
  deltas: sourceValuesOf(contact.firstTouch).map(({ dimension, value }) => ({
    month: contact.createdAt.slice(0, 7),
    dimension,
    value,
    contact: isNew,
    milestones: milestones.slice(from, to),
  })),
});

/** A new contact counts once per dimension, with what its first stage implies (ready to talk: lead and sales lead). */
export const sourceEntry = (contact: Counted & { stage: Stage }): SourceCounting =>
  counting(contact, true, 0, rankOf(contact.stage));

/**
 * The milestones a contact reaches for the first time among `stages` (the stages a step moved it
 * to): a recycled lead that becomes a lead again adds nothing. Undefined when nothing is new, and
 * for a contact created before the counters (no `reachedMilestone`): it was never counted as a
 * contact, so counting its progress would push a share past 100 %.
 */
export const sourceProgress = (
  contact: Counted & { reachedMilestone?: Reached | undefined },
  stages: readonly Stage[],
): SourceCounting | undefined => {
  if (contact.reachedMilestone === undefined) return undefined;
  const from = rankOf(contact.reachedMilestone);
  const to = Math.max(from, ...stages.map(rankOf));
  return to > from ? counting(contact, false, from, to) : undefined;
};

/** A counter as stored: one month, one value, one shard. */
export interface SourceCount {
  dimension: string;
  value: string;
  contacts: number;
  reached: Record<Milestone, number>;
}

export interface SourceFigures {
  contacts: number;
  /** How many ever entered each stage (or one after it), even if recycled since. */
  reached: Record<Milestone, number>;
  /** `reached / contacts`, three decimals. */
  share: Record<Milestone, number>;
}

export interface SourceReport {
  /** Creation months, inclusive; null for an open end. */
  period: { from: string | null; to: string | null };
  basis: string;
  total: SourceFigures;
  dimensions: {
    dimension: SourceDimension;
    describes: 'where' | 'what' | 'why';
    /** Most contacts first. */
    rows: (SourceFigures & { value: string })[];
    /** The values past the first `maxRowsPerDimension`, summed. */
    rest?: SourceFigures & { values: number };
  }[];
}

const basis =
  'Each contact counts once in every dimension, under the value of its first touch: where it came from ' +
  '(channel, utm_source, utm_campaign), what it filled in (form) and why (offer). A contact has reached a ' +
  'stage when it entered it or a later one at any time, even if recycled since. The period is the month ' +
  'the contact was created in.';

const noneReached = (): Record<Milestone, number> => ({
  lead: 0,
  sales_lead: 0,
  opportunity: 0,
  customer: 0,
});

const figures = (contacts: number, reached: Record<Milestone, number>): SourceFigures => {
  const share = noneReached();
  for (const milestone of milestones) {
    share[milestone] = contacts > 0 ? Math.round((reached[milestone] / contacts) * 1000) / 1000 : 0;
  }
  return { contacts, reached, share };
};

const sum = (into: { contacts: number; reached: Record<Milestone, number> }, count: SourceCount) => {
  into.contacts += count.contacts;
  for (const milestone of milestones) into.reached[milestone] += count.reached[milestone];
};

/** Sums the counters (every month and shard) per dimension and value. */
export const sourceReport = (
  counts: readonly SourceCount[],
  period: SourceReport['period'],
): SourceReport => {
  // Values are outside strings: a Map, never an object's keys.
  const byDimension = new Map<
    string,
    Map<string, { contacts: number; reached: Record<Milestone, number> }>
  >();
  for (const count of counts) {
    const values = byDimension.get(count.dimension) ?? new Map();
    byDimension.set(count.dimension, values);
    const found = values.get(count.value) ?? { contacts: 0, reached: noneReached() };
    values.set(count.value, found);
    sum(found, count);
  }
  const dimensions = sourceDimensions.map(({ dimension, describes }) => {
    const rows = [...(byDimension.get(dimension) ?? new Map())]
      .map(([value, { contacts, reached }]) => ({ value, ...figures(contacts, reached) }))
      .filter((row) => row.contacts > 0)
      .sort((a, b) => b.contacts - a.contacts || a.value.localeCompare(b.value));
    const folded = rows.slice(maxRowsPerDimension);
    const rest = { contacts: 0, reached: noneReached() };
    for (const row of folded) sum(rest, { dimension, ...row });
    return {
      dimension,
      describes,
      rows: rows.slice(0, maxRowsPerDimension),
      ...(folded.length > 0
        ? { rest: { values: folded.length, ...figures(rest.contacts, rest.reached) } }
        : {}),
    };
  });
  // Every contact is under exactly one channel.
  const total = { contacts: 0, reached: noneReached() };
  for (const count of counts) if (count.dimension === 'channel') sum(total, count);
  return { period, basis, total: figures(total.contacts, total.reached), dimensions };
};
