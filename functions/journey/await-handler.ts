import { JourneyRepository } from '../adapters/journey-repository.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';

const journeys = new JourneyRepository(requireEnv('TABLE_NAME'));

export interface AwaitInput {
  contactId: string;
  taskToken: string;
}

/**
 * The callback task's Lambda: parks the task's token on the contact so an event can resume it,
 * then looks for events that arrived while no token was parked and, if there are any, resumes
 * at once. Its timeout, set by the state machine, is the timed transition.
 */
export const handler = async (input: AwaitInput): Promise<void> => {
  await journeys.storeTaskToken(input.contactId, input.taskToken);
  const waiting = await journeys.pendingEvents(input.contactId, 1);
  if (waiting.length > 0) await wakeTask(input.taskToken, { wokenBy: 'pending events' });
};
