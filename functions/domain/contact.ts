import type { Consent } from './consent.js';
import { normaliseEmail } from './email-address.js';
import { handoffReason, raisedHand } from './handoff.js';
import type { JourneyState, StageChange } from './journey.js';
import { explainScore, type ScoreSignal, touchSignal } from './lead-score.js';
import type { QualificationRules } from './qualification.js';
import type { Track } from './schedule.js';
import type { Reached } from './source-report.js';
import type { BuyingStage, Stage } from './stages.js';
import { stageOfNewContact } from './stages.js';
import type { CustomFields, Submission } from './submission.js';
import type { Touch } from './touch.js';

export interface Profile {
  firstName?: string;
  lastName?: string;
  company?: string;
  jobTitle?: string;
  phone?: string;
}

export interface Contact extends Profile {
  contactId: string;
  /** As the contact typed it (trimmed), for display and replies. */
  email: string;
  /** Lower-cased: the dedupe key. */
  emailNormalised: string;
  stage: Stage;
  /** Lead score: where it came from, what it asked for, what it did since (as of its last step). */
  score: number;
  /** What the score is worked out from (`explainScore`). */
  scoreSignals?: ScoreSignal[];
  consent: Consent;
  buyingStage?: BuyingStage;
  fields?: CustomFields;
  firstTouch: Touch;
  latestTouch: Touch;
  touchCount: number;
  createdAt: string;
  updatedAt: string;
  journey?: JourneyState;
  stageHistory?: StageChange[];
  /** The furthest stage the source report counted it for; absent on contacts created before those counters. */
  reachedMilestone?: Reached;
  /** Set while the journey is parked on a step that kept failing: when, and the error. */
  stalled?: { error: string; cause: string; at: string };
  /** How often the journey stalled, ever. */
  stalledCount?: number;
  /** The journey's waiting task, while one waits. */
  taskToken?: string;
  /** When the contact unsubscribed (its marketing consent is withdrawn at the same moment). */
  unsubscribedAt?: string;
  /** Set when SES reported a hard bounce or a complaint: the address is never mailed again. */
  suppression?: { at: string; reason: string };
  /** The contact asked for a break from marketing email until then (its preferences page). */
  pausedUntil?: string;
  /** Email tracks the contact turned off on its preferences page: nothing is sent on them. */
  tracksOff?: Track[];
}

/** How long the contact's pause has left at `now`: 0 when it has none in force. */
export const pauseLeftMs = (contact: Pick<Contact, 'pausedUntil'>, now: Date): number =>
  contact.pausedUntil === undefined ? 0 : Math.max(0, Date.parse(contact.pausedUntil) - now.getTime());

/**
 * Marketing email needs a yes, no later unsubscribe, an address that still takes mail, and no
 * pause in force at `now`.
 */
export const mayEmail = (contact: Contact, now: Date): boolean =>
  contact.consent.marketing &&
  contact.unsubscribedAt === undefined &&
  contact.suppression === undefined &&
  contact.stage !== 'unsubscribed' &&
  contact.stage !== 'suppressed' &&
  pauseLeftMs(contact, now) === 0;

/** Whether the contact still takes the emails of `track`. */
export const wantsTrack = (contact: Pick<Contact, 'tracksOff'>, track: Track): boolean =>
  !contact.tracksOff?.includes(track);

const profileOf = (submission: Submission): Profile => {
  const profile: Profile = {};
  for (const key of ['firstName', 'lastName', 'company', 'jobTitle', 'phone'] as const) {
    const value = submission[key];
    if (value !== undefined) profile[key] = value;
  }
  return profile;
};

/** What a submission raises its hand with, for `raisedHand`. */
export const handRaiseOf = (submission: Partial<Pick<Submission, 'buyingStage' | 'offer'>>) => ({
  buyingStage: submission.buyingStage,
  offerType: submission.offer?.type,
});

/**
 * A contact seen for the first time. It starts without marketing consent: a form's "yes" is
 * applied after, as any submission's is (`consentFromSubmission`). A name and an email make a
 * contact, not a lead, unless it raises its hand (ready to talk, or a request the rules hand to
 * sales): then it is a sales lead at once, and its stage history says why.
 */
export const newContact = (submission: Submission, touch: Touch, rules: QualificationRules): Contact => {
  const profile = profileOf(submission);
  const scoreSignals = [touchSignal(touch, false)];
  const hand = raisedHand(handRaiseOf(submission), rules);
  const contact: Contact = {
    ...profile,
    contactId: touch.contactId,
    email: submission.email,
    emailNormalised: normaliseEmail(submission.email),
    stage: hand ? 'sales_lead' : stageOfNewContact,
    score: explainScore(
      scoreSignals,
      { ...profile, email: submission.email },
      rules,
      new Date(touch.receivedAt),
    ).score,
    scoreSignals,
    consent: { marketing: false, updatedAt: touch.receivedAt },
    firstTouch: touch,
    latestTouch: touch,
    touchCount: 1,
    createdAt: touch.receivedAt,
    updatedAt: touch.receivedAt,
  };
  if (submission.buyingStage) contact.buyingStage = submission.buyingStage;
  if (submission.fields) contact.fields = submission.fields;
  // Every contact begins as a name; a raised hand moves it on in the same moment.
  if (hand) {
    contact.stageHistory = [
      { from: stageOfNewContact, to: 'sales_lead', at: touch.receivedAt, reason: handoffReason(hand) },
    ];
  }
  return contact;
};

/** A further submission's changes, for the adapter to apply in one atomic write. */
export interface RepeatChanges {
  /** Attributes the submission sets. */
  set: Record<string, unknown>;
  /** Profile fields it fills only where the contact has none yet. */
  fillIfBlank: Profile;
}

/**
 * What a further submission changes on a known contact: the latest touch, the profile fields that
 * were still blank, and the buying stage it declared (its custom fields stay on the touch, where
 * they were given). Anyone can post any address, so a public submission never replaces a name,
 * company, job title or phone the contact gave before; a change from the contact itself comes
 * through the signed links in its emails. Consent is the consent ledger's business.
 */
export const changesFromRepeatSubmission = (submission: Submission, touch: Touch): RepeatChanges => {
  const set: Record<string, unknown> = { latestTouch: touch, updatedAt: touch.receivedAt };
  if (submission.buyingStage) set.buyingStage = submission.buyingStage;
  return { set, fillIfBlank: profileOf(submission) };
};
