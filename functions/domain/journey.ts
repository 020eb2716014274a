import { type HandoffCause, handoffReason, raisedHand } from './handoff.js';
import type { IncomingEvent } from './incoming-event.js';
import { eventSignal, explainScore, type ScoreSignal, touchSignal, withSignal } from './lead-score.js';
import { type FitFacts, fitOf, type QualificationRules, qualify } from './qualification.js';
import {
  type DeliveryLimits,
  defaultDeliveryLimits,
  type Schedule,
  type ScheduleStep,
  type SendWindow,
  stepDelayMs,
  type Track,
} from './schedule.js';
import { type BuyingStage, funnelStages, type Stage, sideStates } from './stages.js';
import type { Touch } from './touch.js';

/**
 * A contact's journey as pure decisions: given the contact, what happened since the last step and
 * the time now, where does it stand, which email (if any) is due, and how long until the next
 * step. The Step Functions execution only carries these decisions out.
 */
export type Phase = 'nurture' | 'sales' | 'recycle' | 'customer' | 'ended';

export interface JourneyState {
  generation: number;
  /** The email track the contact is on, if any. */
  track?: Track;
  /** Time of the previous touch on the track: the next step's delay counts from here. */
  anchorAt: string;
  stageSince: string;
  /** Each recycle is a fresh pass through the recycle track. */
  recycleCount: number;
}

export interface StageChange {
  from: Stage;
  to: Stage;
  at: string;
  reason: string;
  /** Who decided it, for a sales decision: the signed-in user's email (or `sub`). */
  by?: string;
  /** A sales decision's own reason code (`no_budget`) and note, as the rep gave them. */
  decisionReason?: string;
  decisionNote?: string;
}

export interface JourneyContact extends FitFacts {
  stage: Stage;
  score: number;
  buyingStage?: BuyingStage | undefined;
  createdAt: string;
  journey?: JourneyState | undefined;
  /** What the score is worked out from; a contact from before they were kept has its first touch. */
  scoreSignals?: ScoreSignal[] | undefined;
  firstTouch?: Touch | undefined;
}

export interface Standing {
  stage: Stage;
  score: number;
  scoreSignals: ScoreSignal[];
  buyingStage?: BuyingStage | undefined;
  journey: JourneyState;
  changes: StageChange[];
}

/** The contact's score signals, or for one saved before they were kept, its first touch's. */
export const signalsOf = (contact: Pick<JourneyContact, 'scoreSignals' | 'firstTouch'>): ScoreSignal[] =>
  contact.scoreSignals ?? (contact.firstTouch ? [touchSignal(contact.firstTouch, false)] : []);

/** Why a sales lead nobody answered in time was recycled: the bus announces it as overdue. */
export const salesTimeoutReason = 'no sales answer in time';

/** The longest a journey sleeps without a reason: it wakes, finds nothing due, and sleeps again. */
export const idleWaitMs = 30 * 86_400_000;

export const phaseOf = (stage: Stage): Phase => {
  switch (stage) {
    case 'sales_lead':
    case 'opportunity':
      return 'sales';
    case 'recycled':
      return 'recycle';
    case 'customer':
      return 'customer';
    case 'unsubscribed':
    case 'suppressed':
      return 'ended';
    default:
      return 'nurture';
  }
};

export const trackOf = (stage: Stage): Track | undefined => {
  const phase = phaseOf(stage);
  return phase === 'nurture' || phase === 'recycle' || phase === 'customer' ? phase : undefined;
};

/** The stages whose contacts are on `track`: who an edit of its schedule reaches. */
export const stagesOnTrack = (track: Track): Stage[] =>
  [...funnelStages, ...sideStates].filter((stage) => trackOf(stage) === track);

const unreachable: ReadonlySet<Stage> = new Set(['unsubscribed', 'suppressed']);
const replanOnly: ReadonlySet<IncomingEvent['type']> = new Set([
  'schedule_changed',
  'consent_confirmed',
  'rules_changed',
]);
/** A preferences change only plans again, unless it is the contact declaring its buying stage. */
const plansOnly = (event: IncomingEvent) =>
  replanOnly.has(event.type) || (event.type === 'preferences_changed' && !event.detail?.buyingStage);

/** What one event does to the stage on its own, before score and fit are weighed. */
const stageAfterEvent = (stage: Stage, event: IncomingEvent): { stage: Stage; reason: string } => {
  if (unreachable.has(stage)) return { stage, reason: '' };
  switch (event.type) {
    case 'unsubscribed':
      return { stage: 'unsubscribed', reason: 'unsubscribed' };
    case 'bounced':
    case 'complained':
      return { stage: 'suppressed', reason: event.type };
    case 'sales_accepted':
      return stage === 'sales_lead'
        ? { stage: 'opportunity', reason: 'sales accepted' }
        : { stage, reason: '' };
    case 'sales_rejected':
      return stage === 'sales_lead' ? { stage: 'recycled', reason: 'sales rejected' } : { stage, reason: '' };
    case 'won':
      return stage === 'customer' ? { stage, reason: '' } : { stage: 'customer', reason: 'won' };
    case 'lost':
      return stage === 'opportunity' || stage === 'sales_lead'
        ? { stage: 'recycled', reason: 'lost' }
        : { stage, reason: '' };
    default:
      return { stage, reason: '' };
  }
};

const salesDecisions: ReadonlySet<IncomingEvent['type']> = new Set([
  'sales_accepted',
  'sales_rejected',
  'won',
  'lost',
]);

export const isSalesDecision = (type: IncomingEvent['type']): boolean => salesDecisions.has(type);

/**
 * Whether a sales decision fits a contact at `stage`: one that would move nothing (rejecting a
 * customer, winning one twice) is a mistake to refuse, not an event to store. Other events always fit.
 */
export const decisionFits = (stage: Stage, type: IncomingEvent['type']): boolean =>
  !salesDecisions.has(type) || stageAfterEvent(stage, { eventId: '', type, at: '' }).stage !== stage;

/** The sales decisions that fit a contact at `stage`: the ones the contact page offers. */
export const decisionsFitting = (stage: Stage): IncomingEvent['type'][] =>
  [...salesDecisions].filter((type) => decisionFits(stage, type));

/**
 * Applies the stored events, in the order they happened, and the passage of time (a sales lead
 * nobody answered within the agreed days is recycled), then settles the stage and the track. The
 * score is worked out afresh from the contact's signals under `rules`, so a new version of the
 * rules (or decay) is weighed at the next step even when nothing else happened.
 */
export const standingAfter = (
  contact: JourneyContact,
  events: readonly IncomingEvent[],
  now: Date,
  rules: QualificationRules,
): Standing => {
  const at = now.toISOString();
  const journey: JourneyState = contact.journey ?? {
    generation: 1,
    anchorAt: contact.createdAt,
    stageSince: contact.createdAt,
    recycleCount: 0,
  };
  let { stage, score, buyingStage } = contact;
  let signals = signalsOf(contact);
  const fit = fitOf(contact, rules).result;
  const changes: StageChange[] = [];
  const moveTo = (to: Stage, reason: string, event?: IncomingEvent) => {
    if (to === stage) return;
    const by = event?.detail?.byEmail ?? event?.detail?.bySub;
    // Other events' `reason` (a bounce's) is already the move's own.
    const decision = event && salesDecisions.has(event.type) ? event.detail : undefined;
    changes.push({
      from: stage,
      to,
      at,
      reason,
      ...(by ? { by } : {}),
      ...(decision?.reason ? { decisionReason: decision.reason } : {}),
      ...(decision?.note ? { decisionNote: decision.note } : {}),
    });
    stage = to;
  };
  const settle = (engaged: boolean, hand: HandoffCause | undefined, reason: (score: number) => string) => {
    score = explainScore(signals, contact, rules, now).score;
    const to = qualify({ stage, score, engaged, fit, raisedHand: hand !== undefined }, rules);
    // A handoff says why in words sales reads; other moves keep the score that made them.
    const why =
      to === 'sales_lead'
        ? handoffReason(hand ?? { kind: 'score', score, threshold: rules.thresholds.salesLead })
        : reason(score);
    moveTo(to, why);
  };

  for (const event of [...events].sort((a, b) => a.at.localeCompare(b.at))) {
    // Only asks the journey to plan again: not a touch, no score, no stage move.
    if (plansOnly(event)) continue;
    const after = stageAfterEvent(stage, event);
    moveTo(after.stage, after.reason, event);
    if (unreachable.has(stage)) continue;
    const signal = eventSignal(event);
    if (signal) signals = withSignal(signals, signal);
    const declared = event.detail?.buyingStage as BuyingStage | undefined;
    if (declared) buyingStage = declared;
    const engaged = event.type === 'engaged' || event.type === 'submitted';
    const hand = raisedHand({ buyingStage: declared, offerType: event.detail?.offerType }, rules);
    settle(engaged, hand, (now) => (engaged ? `${event.type}; score ${now}` : 'qualified'));
  }
  // The rules in force now, and time, may move a contact that did nothing.
  if (!unreachable.has(stage)) settle(false, undefined, (now) => `rules v${rules.version}; score ${now}`);

  const salesDeadline =
    Date.parse(changes.at(-1)?.at ?? journey.stageSince) + rules.salesAnswerWithinDays * 86_400_000;
  if (stage === 'sales_lead' && now.getTime() >= salesDeadline) moveTo('recycled', salesTimeoutReason);

  const next: JourneyState = { ...journey };
  if (changes.length > 0) next.stageSince = at;
  const track = trackOf(stage);
  if (track !== journey.track || (stage === 'recycled' && changes.some((c) => c.to === 'recycled'))) {
    next.anchorAt = at;
    if (stage === 'recycled') next.recycleCount = journey.recycleCount + 1;
  }
  if (track) next.track = track;
  else delete next.track;
  return { stage, score, scoreSignals: signals, buyingStage, journey: next, changes };
};

/** Which pass through the track the send ledger is keyed by: each recycle starts afresh. */
export const trackRound = (track: Track, journey: JourneyState): number =>
  track === 'recycle' ? journey.recycleCount : 1;

export interface NextTouch {
  /** The email due now, if any. */
  send?: ScheduleStep;
  /** The anchor after this step: moved to now when an email goes out. */
  anchorAt: string;
  waitMs: number;
}

/** What else bounds a contact's next email besides its schedule. */
export interface TouchLimits {
  contactId: string;
  /** The contact's own IANA time zone when it is known: send windows are read in it. */
  timeZone?: string | undefined;
  /** When the contact's recent marketing emails went out, on any track. */
  recentSends: readonly string[];
  limits: DeliveryLimits;
}

/** A time zone the contact gave (a landing page sends `fields[timezone]`), if it is a real one. */
export const contactTimeZone = (fields: Record<string, unknown> | undefined): string | undefined => {
  const zone = fields?.timezone;
  if (typeof zone !== 'string') return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
};

/** A fixed offset in [0, spreadMs) per contact, so an edit's catch-up sends spread evenly. */
const offsetOf = (contactId: string, spreadMs: number): number => {
  if (spreadMs <= 0) return 0;
  let hash = 2166136261;
  for (const char of contactId) hash = Math.imul(hash ^ char.charCodeAt(0), 16777619);
  return (hash >>> 0) % spreadMs;
};

const weekdays = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const quarterHour = 15 * 60_000;

/**
 * The earliest time at or after `at` inside the step's send window (weekdays and hours, read in
 * `timeZone`), checked quarter-hour by quarter-hour so zones with half-hour offsets work too.
 */
export const nextInWindow = (at: number, window: SendWindow | undefined, timeZone: string): number => {
  if (!window) return at;
  const local = new Intl.DateTimeFormat('en-US', {
    timeZone,
    weekday: 'short',
    hour: 'numeric',
    hourCycle: 'h23',
  });
  const inside = (time: number) => {
    const parts = local.formatToParts(time);
    const day = weekdays.indexOf(parts.find((part) => part.type === 'weekday')?.value ?? '');
    const hour = Number(parts.find((part) => part.type === 'hour')?.value);
    return window.days.includes(day) && hour >= window.hours.from && hour < window.hours.to;
  };
  if (inside(at)) return at;
  let time = Math.ceil(at / quarterHour) * quarterHour;
  for (let step = 0; step < 8 * 96; step++, time += quarterHour) if (inside(time)) return time;
  return at;
};

/** The earliest time at or after `at` that keeps the frequency cap, given the recent sends. */
const capAllows = (at: number, recentSends: readonly string[], limits: DeliveryLimits): number => {
  const { emails, perMs } = limits.frequencyCap;
  const inWindow = recentSends
    .map((sent) => Date.parse(sent))
    .filter((sent) => sent > at - perMs)
    .sort((x, y) => x - y);
  if (inWindow.length < emails) return at;
  // Wait until enough of them have aged out of the window.
  return (inWindow[inWindow.length - emails] ?? at) + perMs;
};

/**
 * The steps a contact may still get, in order: those after the furthest step it was sent. A step
 * edited in behind the contact is skipped, not sent late.
 */
export const pendingSteps = (schedule: Schedule, sentStepIds: ReadonlySet<string>): ScheduleStep[] => {
  const furthest = schedule.steps.reduce(
    (last, step, index) => (sentStepIds.has(step.id) ? index : last),
    -1,
  );
  return schedule.steps.slice(furthest + 1).filter((step) => !sentStepIds.has(step.id));
};

/**
 * The next email on the track: the first step of the current schedule not yet sent (and after
 * the furthest one sent), due its delay after the previous touch. One email per step at most, so
 * emails that fell due together still go out spaced by their delays; an edit's catch-up sends are
 * spread, and no contact gets more than the frequency cap allows.
 */
export const nextTouch = (
  schedule: Schedule,
  sentStepIds: ReadonlySet<string>,
  anchorAt: string,
  now: Date,
  mayEmail: boolean,
  bounds: TouchLimits = { contactId: '', recentSends: [], limits: defaultDeliveryLimits },
): NextTouch => {
  const [first, second] = mayEmail ? pendingSteps(schedule, sentStepIds) : [];
  if (!first) return { anchorAt, waitMs: idleWaitMs };
  let dueAt = Date.parse(anchorAt) + stepDelayMs(first);
  const catchUp = schedule.catchUp;
  if (catchUp && dueAt < Date.parse(catchUp.from)) {
    dueAt = Date.parse(catchUp.from) + offsetOf(bounds.contactId, catchUp.spreadMs);
  }
  // The window, then the cap, then the window again: a later time never breaks the cap.
  const zone = first.window?.timezone ?? bounds.timeZone ?? schedule.timezone;
  const inWindow = (time: number) => nextInWindow(time, first.window, zone);
  dueAt = inWindow(capAllows(inWindow(dueAt), bounds.recentSends, bounds.limits));
  if (dueAt > now.getTime()) return { anchorAt, waitMs: Math.min(dueAt - now.getTime(), idleWaitMs) };
  const sentAt = now.toISOString();
  return {
    send: first,
    anchorAt: sentAt,
    waitMs: second ? Math.min(stepDelayMs(second), idleWaitMs) : idleWaitMs,
  };
};

/** When sales must have answered a contact that became a sales lead at `stageSince` (epoch ms). */
const salesAnswerDeadline = (stageSince: string, rules: QualificationRules): number =>
  Date.parse(stageSince) + rules.salesAnswerWithinDays * 86_400_000;

/** How long a sales-phase contact waits: until the answer deadline for a sales lead. */
export const salesWaitMs = (standing: Standing, now: Date, rules: QualificationRules): number => {
  if (standing.stage !== 'sales_lead') return idleWaitMs;
  const deadline = salesAnswerDeadline(standing.journey.stageSince, rules);
  return Math.max(0, Math.min(deadline - now.getTime(), idleWaitMs));
};

/**
 * When the sales SLA on a sales lead runs out (past it, the journey recycles the lead), for the
 * contact page and the sales queue; undefined for any other stage. A contact created a sales lead
 * has no journey state until its first step: it has been one since it was created.
 */
export const salesAnswerDueAt = (
  contact: Pick<JourneyContact, 'stage' | 'createdAt' | 'journey'>,
  rules: QualificationRules,
): string | undefined =>
  contact.stage === 'sales_lead'
    ? new Date(salesAnswerDeadline(contact.journey?.stageSince ?? contact.createdAt, rules)).toISOString()
    : undefined;
