import { type JourneyState, nextTouch, pendingSteps, type TouchLimits } from './journey.js';
import type { Schedule } from './schedule.js';

/** A contact on the track, as the journey sees it at its next step. */
export interface ContactInFlight {
  contactId: string;
  journey: JourneyState;
  mayEmail: boolean;
  timeZone?: string | undefined;
  sentStepIds: ReadonlySet<string>;
  recentSends: readonly string[];
}

export interface PlannedSend {
  stepId: string;
  at: string;
}

/** Steps planned ahead at most: far beyond any 30-day horizon's worth of schedule. */
const maxPlannedSends = 50;

/**
 * The sends a contact would get under `schedule` from `now` to `until`, if nothing else happened:
 * the journey's own `nextTouch` applied step after step, with the cap and the catch-up spread.
 */
export const plannedSends = (
  schedule: Schedule,
  contact: ContactInFlight,
  now: Date,
  until: Date,
  limits: TouchLimits['limits'],
): PlannedSend[] => {
  const sent = new Set(contact.sentStepIds);
  const recentSends = [...contact.recentSends];
  const planned: PlannedSend[] = [];
  let anchorAt = contact.journey.anchorAt;
  let at = now.getTime();
  while (at <= until.getTime() && planned.length < maxPlannedSends) {
    const touch = nextTouch(schedule, sent, anchorAt, new Date(at), contact.mayEmail, {
      contactId: contact.contactId,
      timeZone: contact.timeZone,
      recentSends,
      limits,
    });
    if (touch.send) {
      const when = new Date(at).toISOString();
      planned.push({ stepId: touch.send.id, at: when });
      sent.add(touch.send.id);
      recentSends.push(when);
      anchorAt = touch.anchorAt;
      continue;
    }
    if (!contact.mayEmail || pendingSteps(schedule, sent).length === 0) break;
    at += Math.max(touch.waitMs, 1);
  }
  return planned.filter((send) => Date.parse(send.at) <= until.getTime());
};

/**
 * Steps a contact will not get because of the draft: steps still ahead of it under the current
 * version that the draft removes (or moves behind it), and draft steps inserted behind the
 * furthest step it already had. Nothing for a contact that may not be emailed anyway.
 */
export const skippedSteps = (current: Schedule, draft: Schedule, contact: ContactInFlight): string[] => {
  if (!contact.mayEmail) return [];
  const underDraft = new Set(pendingSteps(draft, contact.sentStepIds).map((step) => step.id));
  const dropped = pendingSteps(current, contact.sentStepIds).filter((step) => !underDraft.has(step.id));
  const behind = draft.steps.filter((step) => !underDraft.has(step.id) && !contact.sentStepIds.has(step.id));
  return [...new Set([...dropped, ...behind].map((step) => step.id))];
};

export interface SchedulePreview {
  inFlight: number;
  /** Sends the draft releases at once: within its catch-up window. */
  dueNow: number;
  /** Sends within 7 and 30 days of publishing, those due now included. */
  next7Days: number;
  next30Days: number;
  /** Contacts who, under the draft, will not get at least one step they have not had yet. */
  skippingSteps: number;
  /**
   * A few contacts' next send under each version. Labelled, not identified: a contact id is what
   * acting as the contact needs (its links, its page), and a marketer previewing a schedule needs
   * only the dates.
   */
  examples: { label: string; current: PlannedSend | null; draft: PlannedSend | null }[];
}

const day = 86_400_000;

/** What publishing `draft` over `current` would do to the contacts in flight, sending nothing. */
export const previewSchedule = (
  current: Schedule,
  draft: Schedule,
  contacts: readonly ContactInFlight[],
  now: Date,
  limits: TouchLimits['limits'],
  exampleCount = 5,
): SchedulePreview => {
  const horizon = new Date(now.getTime() + 30 * day);
  const catchUpEnds = now.getTime() + (draft.catchUp?.spreadMs ?? 0);
  let dueNow = 0;
  let next7Days = 0;
  let next30Days = 0;
  let skippingSteps = 0;
  const examples: SchedulePreview['examples'] = [];
  for (const contact of contacts) {
    const underDraft = plannedSends(draft, contact, now, horizon, limits);
    for (const send of underDraft) {
      const at = Date.parse(send.at);
      if (at <= catchUpEnds) dueNow++;
      if (at <= now.getTime() + 7 * day) next7Days++;
      next30Days++;
    }
    if (skippedSteps(current, draft, contact).length > 0) skippingSteps++;
    if (examples.length < exampleCount) {
      examples.push({
        label: `Contact ${examples.length + 1}`,
        current: plannedSends(current, contact, now, horizon, limits)[0] ?? null,
        draft: underDraft[0] ?? null,
      });
    }
  }
  return { inFlight: contacts.length, dueNow, next7Days, next30Days, skippingSteps, examples };
};
