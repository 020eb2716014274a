import { randomUUID } from 'node:crypto';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import {
  type Contact,
  changesFromRepeatSubmission,
  newContact,
  type Touch,
  touchFromSubmission,
} from '../domain/contact.js';
import { normaliseEmail } from '../domain/email-address.js';
import { defaultRules } from '../domain/qualification.js';
import type { Submission } from '../domain/submission.js';
import { deliverContactEvent } from '../journey/deliver-event.js';

export interface IntakeOutcome {
  contact: Contact;
  created: boolean;
}

export interface IntakeDependencies {
  contacts: ContactRepository;
  journeys: JourneyRepository;
  /** Starts generation 1 of the contact's journey; starting it again is a no-op. */
  startJourney(contactId: string): Promise<void>;
}

/** What the journey needs to know of a further submission to score it and honour its buying stage. */
const submissionDetail = (touch: Touch): Record<string, string> => ({
  touchId: touch.touchId,
  channel: touch.where.channel,
  ...(touch.why.offer ? { offerType: touch.why.offer.type } : {}),
  ...(touch.buyingStage ? { buyingStage: touch.buyingStage } : {}),
});

/**
 * A new address becomes a contact and starts its journey; a known one gets the submission as a
 * further touch, delivered to its journey as an event. The create is tried first and the
 * repository's conditional claim decides the race, so concurrent duplicates of one address all
 * land on the same contact and only one reports `created`.
 */
export const recordSubmission = async (
  submission: Submission,
  deps: IntakeDependencies,
  now: Date,
): Promise<IntakeOutcome> => {
  const contactId = randomUUID();
  const firstTouch = touchFromSubmission(submission, { touchId: randomUUID(), contactId }, now);
  const contact = newContact(submission, firstTouch, defaultRules);
  if (await deps.contacts.createContact(contact)) {
    await deps.startJourney(contactId);
    return { contact, created: true };
  }

  const existingId = await deps.contacts.contactIdForEmail(normaliseEmail(submission.email));
  if (!existingId) throw new Error('Address claimed but its contact id could not be read');
  const touch = touchFromSubmission(submission, { touchId: randomUUID(), contactId: existingId }, now);
  const updated = await deps.contacts.addTouch(touch, changesFromRepeatSubmission(submission, touch));
  // A journey whose first step never ran may never have started (the creating request failed
  // after the write): starting it is idempotent, so make sure.
  if (!updated.journey) await deps.startJourney(existingId);
  await deliverContactEvent(
    deps.journeys,
    existingId,
    'submitted',
    now,
    submissionDetail(touch),
    touch.touchId,
  );
  return { contact: updated, created: false };
};
