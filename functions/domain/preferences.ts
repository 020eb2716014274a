import * as z from 'zod';
import type { ConsentChange } from './consent.js';
import { type Contact, pauseLeftMs, wantsTrack } from './contact.js';
import { phaseOf } from './journey.js';
import { type Track, tracks } from './schedule.js';
import { type BuyingStage, buyingStages } from './stages.js';
import { type FieldIssue, type Parsed, parseWith } from './validation.js';

/**
 * The prospect's own say, from the signed preferences link in every marketing email: its buying
 * stage, a break from email, which tracks it gets, or none at all. Each form of the page posts one
 * of these; JSON posts the same fields.
 */
export const pauseDays = [30, 90] as const;

/** How many changes a contact's preferences page takes in a UTC day (unsubscribing aside). */
export const maxPreferenceChangesPerDay = 20;

/** The tracks as the prospect reads them: what each sends, not what we call it. */
export const trackDescriptions: Readonly<Record<Track, string>> = {
  nurture: 'Guides and customer stories while you evaluate',
  recycle: 'An occasional check-in after a while',
  customer: 'News and tips for customers',
};

export const buyingStageLabels: Readonly<Record<BuyingStage, string>> = {
  researching: 'Just researching',
  comparing: 'Comparing options',
  ready_to_talk: 'Ready to talk to sales',
};

/** Form fields are text; JSON may send the number or the boolean itself. */
const asText = (value: unknown) =>
  typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;

const requestSchema = z.discriminatedUnion(
  'action',
  [
    z.object({
      action: z.literal('buying_stage'),
      buyingStage: z.enum(buyingStages, `must be one of ${buyingStages.join(', ')}`),
    }),
    z.object({
      action: z.literal('pause'),
      days: z
        .preprocess(asText, z.enum(['30', '90'], `must be one of ${pauseDays.join(', ')}`))
        .transform(Number),
    }),
    z.object({ action: z.literal('resume') }),
    z.object({
      action: z.literal('track'),
      track: z.enum(tracks, `must be one of ${tracks.join(', ')}`),
      send: z
        .preprocess(asText, z.enum(['yes', 'no', 'true', 'false'], 'must be yes or no'))
        .transform((send) => send === 'yes' || send === 'true'),
    }),
    z.object({ action: z.literal('unsubscribe') }),
  ],
  { error: 'must be one of buying_stage, pause, resume, track, unsubscribe' },
);

export type PreferenceRequest = z.infer<typeof requestSchema>;

export const parsePreferenceRequest = (input: unknown): Parsed<PreferenceRequest> =>
  parseWith(requestSchema, input);

/**
 * A form field given twice with different values (`action=pause&action=unsubscribe`) is two
 * answers to one question: which one the person meant is unknown, so neither is acted on. (A
 * landing page's form is read leniently, last value kept; this page's forms never repeat a field.)
 */
export const repeatedFormFields = (form: URLSearchParams): FieldIssue[] => {
  const seen = new Map<string, string>();
  const repeated = new Set<string>();
  for (const [name, value] of form) {
    const before = seen.get(name);
    if (before !== undefined && before !== value) repeated.add(name);
    seen.set(name, value);
  }
  return [...repeated].map((path) => ({ path, message: 'is given more than once with different values' }));
};

/** What the page and the JSON answer show of the contact's choices. */
export interface PreferencesView {
  buyingStage: BuyingStage | null;
  /** Only while a pause is in force. */
  pausedUntil: string | null;
  tracks: Record<Track, boolean>;
}

export const preferencesView = (contact: Contact, now: Date): PreferencesView => ({
  buyingStage: contact.buyingStage ?? null,
  pausedUntil: pauseLeftMs(contact, now) > 0 ? (contact.pausedUntil ?? null) : null,
  tracks: {
    nurture: wantsTrack(contact, 'nurture'),
    recycle: wantsTrack(contact, 'recycle'),
    customer: wantsTrack(contact, 'customer'),
  },
});

/** The choices a request changes on the contact: a value to set, or null to remove it. */
export interface PreferenceUpdate {
  pausedUntil?: string | null;
  tracksOff?: Track[];
  buyingStage?: BuyingStage;
}

export interface PreferenceChange {
  update: PreferenceUpdate;
  /** What the consent ledger keeps; none for a buying stage, which the stage history shows. */
  record?: ConsentChange['record'];
  /** The journey's event: it plans again, and weighs a declared buying stage. */
  detail: Record<string, string>;
}

const day = 86_400_000;

/**
 * The end of a pause of `days` from `now`, rounded up to the next midnight UTC: the prospect reads
 * a date, and a second click the same day asks for the very same pause.
 */
export const pauseEnd = (now: Date, days: number): string => {
  const end = new Date(now.getTime() + days * day);
  end.setUTCHours(24, 0, 0, 0);
  return end.toISOString();
};

/**
 * What a request changes, or undefined when the contact has it already: a repeated post changes
 * nothing and wakes nobody. A `ready_to_talk` the contact declared before still counts while it is
 * in the nurture part of the funnel or recycled (sales passed it back since): it asks again.
 */
export const preferenceChange = (
  contact: Contact,
  request: Exclude<PreferenceRequest, { action: 'unsubscribe' }>,
  now: Date,
): PreferenceChange | undefined => {
  const at = now.toISOString();
  const method = 'preferences_page';
  switch (request.action) {
    case 'buying_stage': {
      const { buyingStage } = request;
      // Recycled counts too: sales passed it back, and a prospect saying it is ready brings it back
      // (as a form's declaration does, `qualify`).
      const asksSales =
        buyingStage === 'ready_to_talk' &&
        (phaseOf(contact.stage) === 'nurture' || contact.stage === 'recycled');
      if (contact.buyingStage === buyingStage && !asksSales) return undefined;
      return { update: { buyingStage }, detail: { buyingStage } };
    }
    case 'pause': {
      const until = pauseEnd(now, request.days);
      if (contact.pausedUntil === until) return undefined;
      return {
        update: { pausedUntil: until },
        record: { at, action: 'paused', method, until },
        detail: { change: 'paused' },
      };
    }
    case 'resume':
      if (pauseLeftMs(contact, now) === 0) return undefined;
      return {
        update: { pausedUntil: null },
        record: { at, action: 'resumed', method },
        detail: { change: 'resumed' },
      };
    case 'track': {
      const { track, send } = request;
      if (wantsTrack(contact, track) === send) return undefined;
      const off = contact.tracksOff ?? [];
      return {
        update: { tracksOff: send ? off.filter((other) => other !== track) : [...off, track] },
        record: { at, action: send ? 'track_on' : 'track_off', method, track },
        detail: { change: send ? 'track_on' : 'track_off', track },
      };
    }
  }
};
