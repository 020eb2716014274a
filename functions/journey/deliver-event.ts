import { randomUUID } from 'node:crypto';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import type { ContactEvent, ContactEventType } from '../domain/contact-event.js';

/**
 * Hands an event to a contact's journey: stored first, then the waiting task (if any) is woken.
 * The journey's await step checks for stored events right after it saves its own token, so an
 * event that slips in between is seen by one side or the other. False when there is no contact.
 */
export const deliverContactEvent = async (
  repository: JourneyRepository,
  contactId: string,
  type: ContactEventType,
  now: Date,
  detail?: Record<string, string>,
  eventId: string = randomUUID(),
): Promise<ContactEvent | undefined> => {
  const event: ContactEvent = { eventId, type, at: now.toISOString(), ...(detail ? { detail } : {}) };
  if (!(await repository.putEvent(contactId, event))) return undefined;
  const token = await repository.taskToken(contactId);
  if (token) await wakeTask(token, { wokenBy: event.eventId });
  return event;
};
