import { clock } from '../adapters/clock.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';
import { withoutAddresses } from '../domain/email-address.js';

const journeys = new JourneyRepository(requireEnv('TABLE_NAME'));

export interface AwaitInput {
  contactId: string;
  taskToken: string;
  /** Set when a step kept failing past its retries: the error Step Functions caught. */
  stalled?: { Error?: string; Cause?: string };
  /** The phase the step decided; `ended` and `continue` have nothing to wait for. */
  phase?: string;
}

/** A cause can be a whole stack trace: the contact view needs the gist. */
const maxCauseLength = 500;

/**
 * The callback task's Lambda: parks the task's token on the contact so an event can resume it,
 * then looks for events that arrived while no token was parked and, if there are any, resumes
 * at once. Its timeout, set by the state machine, is the timed transition. A stalled journey
 * parks here too, with the error it stalled on recorded on the contact until a step succeeds.
 * An erased contact has nowhere to park a token: the task resumes at once.
 */
export const handler = async (input: AwaitInput): Promise<void> => {
  if (input.phase === 'ended' || input.phase === 'continue') {
    // The phase choice after the wait ends the run or hands it over; no token to park, nothing read.
    await wakeTask(input.taskToken, { wokenBy: input.phase });
    return;
  }
  const stall = input.stalled && {
    error: input.stalled.Error ?? 'Unknown',
    cause: withoutAddresses(input.stalled.Cause ?? '').slice(0, maxCauseLength),
  };
  if (!(await journeys.storeTaskToken(input.contactId, input.taskToken, stall, clock.now()))) {
    // Erased (or being erased): the next step finds the contact gone and ends the journey.
    await wakeTask(input.taskToken, { wokenBy: 'erasure' });
    return;
  }
  if (stall) {
    // The metric filter behind the stalled-journeys alarm matches this message. Events already
    // waiting are the ones the failing step could not apply: they wait for the hourly retry, or
    // for the next event, rather than wake it at once into the same failure.
    logger.error('Journey stalled', { contactId: input.contactId, ...stall });
    return;
  }
  const waiting = await journeys.pendingEvents(input.contactId, 1);
  if (waiting.length > 0) await wakeTask(input.taskToken, { wokenBy: 'pending events' });
};
