/**
 * How outside code starts and signals a contact's journey (the step itself is `advance.ts`): the
 * execution's name, the first start, and the hand-over of an event to a running or ended journey.
 */
import { randomUUID } from 'node:crypto';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { executionStatus, startExecutionOnce, wakeTask } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';
import type { IncomingEvent, IncomingEventType } from '../domain/incoming-event.js';

/** One execution name per contact and generation, so a retried start cannot make a second journey. */
export const executionName = (contactId: string, generation: number) => `${contactId}-g${generation}`;

/** Starts a new contact's journey, its first generation; a retried start finds it already running. */
export const startJourney = async (stateMachineArn: string, contactId: string): Promise<void> => {
  await startExecutionOnce(stateMachineArn, executionName(contactId, 1), {
    contactId,
    generation: 1,
    steps: 0,
  });
};

/**
 * With no task waiting, the journey is either mid-step (it reads the stored event before it waits
 * again) or not running at all: ended by an error or an operator. Then a fresh generation
 * starts from the contact's stored state, so an event never lands on a journey that will not read
 * it. Two events racing to restart start one execution: the name is the generation's.
 */
const ensureRunning = async (contactId: string, generation: number): Promise<void> => {
  const stateMachineArn = requireEnv('JOURNEY_STATE_MACHINE_ARN');
  const status = await executionStatus(stateMachineArn, executionName(contactId, generation));
  if (status === 'RUNNING') return;
  // A generation handed over before its successor started: that one starts now.
  const next = status === 'MISSING' ? generation : generation + 1;
  const started = await startExecutionOnce(stateMachineArn, executionName(contactId, next), {
    contactId,
    generation: next,
    steps: 0,
  });
  if (started) logger.warn('Journey restarted for an event', { contactId, was: status, generation: next });
};

/**
 * Hands an event to a contact's journey: stored first, then the waiting task (if any) is woken,
 * or the journey restarted if it is not running. The journey's await step checks for stored
 * events right after it saves its own token, so an event that slips in between is seen by one
 * side or the other. Undefined when there is no contact.
 */
export const deliverContactEvent = async (
  repository: JourneyRepository,
  contactId: string,
  type: IncomingEventType,
  now: Date,
  detail?: Record<string, string>,
  eventId: string = randomUUID(),
  /** For a sales decision: the stage visit it decides (see `JourneyRepository.putEvent`). */
  decisionSlot?: string,
  /** For a caller's own `eventId`: what the request said, to claim the id with. */
  fingerprint?: string,
): Promise<IncomingEvent | undefined> => {
  const event = incomingEvent(type, now, detail, eventId);
  if (!(await repository.putEvent(contactId, event, decisionSlot, fingerprint))) return undefined;
  await wakeJourney(repository, contactId, event);
  return event;
};

export const incomingEvent = (
  type: IncomingEventType,
  now: Date,
  detail?: Record<string, string>,
  eventId: string = randomUUID(),
): IncomingEvent => ({ eventId, type, at: now.toISOString(), ...(detail ? { detail } : {}) });

/**
 * Wakes the contact's journey for `event`, already stored (alone, or in the transaction that
 * saved what it announces): the waiting task if one waits, else a restart if it is not running.
 */
export const wakeJourney = async (
  repository: JourneyRepository,
  contactId: string,
  event: IncomingEvent,
): Promise<void> => {
  const waiting = await repository.waiting(contactId);
  if (waiting?.taskToken && (await wakeTask(waiting.taskToken, { wokenBy: event.eventId }))) return;
  // A journey that never took its first step is the intake's to start (its retry, or the next
  // submission): it reads the stored event then.
  if (waiting?.generation !== undefined) await ensureRunning(contactId, waiting.generation);
};
