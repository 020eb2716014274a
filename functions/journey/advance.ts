import { entryChanges, stageChangeEvents } from '../domain/bus-events.js';
import { mayEmail, pauseLeftMs, wantsTrack } from '../domain/contact.js';
import { sourcesOf } from '../domain/funnel-report.js';
import {
  contactTimeZone,
  nextTouch,
  type Phase,
  phaseOf,
  salesWaitMs,
  standingAfter,
  trackRound,
} from '../domain/journey.js';
import { sourceProgress } from '../domain/source-report.js';
import { flushOutbox } from './flush-outbox.js';
import { executionName } from './lifecycle.js';
import { reconcileSends } from './reconcile-sends.js';
import type { AdvanceDependencies, SentStep } from './step-dependencies.js';

/** What the state machine carries from step to step. */
export interface JourneyInput {
  contactId: string;
  generation: number;
  /** Steps taken in this execution: past the limit the journey continues as a new execution. */
  steps?: number;
  /** When this execution began: well before Step Functions' one-year limit it hands over too. */
  startedAt?: string;
}

export interface JourneyDecision extends Required<JourneyInput> {
  phase: Phase | 'continue';
  /** Whole seconds, at least 1: the await task's timeout, i.e. the timed transition. */
  waitSeconds: number;
  /** For `continue`: the next execution's name and input. */
  next?: { name: string; input: Required<JourneyInput> };
}

/**
 * Well under Step Functions' 25,000-event history: a step costs about a dozen history events,
 * so a long-lived customer journey hands over to a fresh execution long before the limit.
 */
export const maxStepsPerExecution = 500;

/** A Standard execution may run a year at most; a quiet customer journey hands over long before. */
export const maxExecutionAgeMs = 300 * 86_400_000;

/**
 * The wait after an ended or handed-over step is resumed by the await function at once; its
 * timeout only catches a failed resume, and must not beat the resume to it.
 */
const resumedAtOnceMs = 60 * 60 * 1000;

/**
 * One journey step: apply what happened, send the email that fell due (at most once, through the
 * ledger), save the contact's standing, and say how long to wait for the next step.
 */

export const advanceJourney = async (
  input: JourneyInput,
  deps: AdvanceDependencies,
  now: Date,
): Promise<JourneyDecision> => {
  const steps = (input.steps ?? 0) + 1;
  const startedAt = input.startedAt ?? now.toISOString();
  const decision = (phase: Phase | 'continue', waitMs: number): JourneyDecision => ({
    contactId: input.contactId,
    generation: input.generation,
    steps,
    startedAt,
    phase,
    waitSeconds: Math.max(
      1,
      Math.ceil((phase === 'ended' || phase === 'continue' ? resumedAtOnceMs : waitMs) / 1000),
    ),
  });

  const contact = await deps.contacts.getContact(input.contactId);
  // Erased while its journey waited: nothing is left to act on.
  if (!contact) return decision('ended', 0);
  // Events of an earlier step that saved its changes and died before they were out.
  const [outbox, rules] = await Promise.all([deps.journeys.outbox(input.contactId), deps.rules()]);
  await flushOutbox(contact, outbox, deps, now, rules);

  const reconciled = await reconcileSends(contact, deps, now);
  const events = await deps.journeys.pendingEvents(input.contactId);
  const standing = standingAfter(contact, events, now, rules);
  // A step email that went out late, on its resend, is the previous touch the next one counts from.
  if (reconciled.resent) standing.journey.anchorAt = now.toISOString();
  // A journey restarted as a fresh generation (after an error ended the previous one) is this one.
  standing.journey.generation = input.generation;
  const phase = phaseOf(standing.stage);
  const track = standing.journey.track;
  let waitMs = salesWaitMs(standing, now, rules);

  if (track && phase !== 'ended') {
    const round = trackRound(track, standing.journey);
    const [schedule, sent] = await Promise.all([
      deps.schedules.current(track),
      deps.ledger.stepIds(input.contactId, track, round),
    ]);
    const recentSends = await deps.ledger.sendTimes(
      input.contactId,
      new Date(now.getTime() - deps.limits.frequencyCap.perMs),
    );
    const emailable = mayEmail(contact, now) && wantsTrack(contact, track);
    const touch = nextTouch(schedule, sent, standing.journey.anchorAt, now, emailable, {
      contactId: input.contactId,
      timeZone: contactTimeZone(contact.fields),
      recentSends,
      limits: deps.limits,
    });
    if (touch.send && (await deps.ledger.claim(input.contactId, track, round, touch.send.id, now))) {
      let sent: SentStep | undefined;
      try {
        sent = await deps.sendStepEmail(contact, track, round, touch.send);
      } catch (error) {
        // SES refused it (throttled, say): nothing went out, so free the step for the retry.
        await deps.ledger.release(input.contactId, track, round, touch.send.id);
        throw error;
      }
      if (sent) await deps.ledger.markSent(input.contactId, track, round, touch.send.id, sent, now);
      else await deps.ledger.release(input.contactId, track, round, touch.send.id);
    }
    standing.journey.anchorAt = touch.anchorAt;
    // A paused contact's journey wakes when the pause ends, not after a whole idle wait.
    const paused = pauseLeftMs(contact, now);
    waitMs = paused > 0 ? Math.min(touch.waitMs, paused) : touch.waitMs;
  }
  // A claim still inside its confirmation window is looked at again when the window ends.
  if (reconciled.recheckInMs !== undefined) waitMs = Math.min(waitMs, reconciled.recheckInMs);

  const continues =
    phase !== 'ended' &&
    (steps >= maxStepsPerExecution || now.getTime() - Date.parse(startedAt) >= maxExecutionAgeMs);
  if (continues) standing.journey.generation = input.generation + 1;
  // Saved with the standing (a transactional outbox), so a retry of a step that saved finds no
  // change to announce again, and one that died before announcing finds them in the outbox.
  const announced = [
    // The stage it was created at, with the score it was created with.
    ...stageChangeEvents(contact, entryChanges(contact), contact.score, deps.adminPageUrl),
    ...stageChangeEvents(
      { ...contact, buyingStage: standing.buyingStage },
      standing.changes,
      standing.score,
      deps.adminPageUrl,
    ),
  ];
  await deps.journeys.saveStanding(
    input.contactId,
    standing,
    events,
    now,
    sourcesOf(contact.firstTouch),
    announced,
    sourceProgress(
      contact,
      standing.changes.map((change) => change.to),
    ),
  );
  // The handoff explains the score it announces: the contact as this step left it.
  await flushOutbox({ ...contact, scoreSignals: standing.scoreSignals }, announced, deps, now, rules);
  if (phase === 'ended') return decision('ended', 0);
  if (!continues) return decision(phase, waitMs);
  const generation = standing.journey.generation;
  return {
    ...decision('continue', 0),
    next: {
      name: executionName(input.contactId, generation),
      input: { contactId: input.contactId, generation, steps: 0, startedAt: now.toISOString() },
    },
  };
};
