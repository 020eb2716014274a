import { randomUUID } from 'node:crypto';
import type { ContactRepository } from '../adapters/contact-repository.js';
import {
  type Contact,
  changesFromRepeatSubmission,
  newContact,
  touchFromSubmission,
} from '../domain/contact.js';
import { normaliseEmail } from '../domain/email-address.js';
import type { Submission } from '../domain/submission.js';

export interface IntakeOutcome {
  contact: Contact;
  created: boolean;
}

/**
 * A new address becomes a contact; a known one gets the submission as a further touch. The
 * create is tried first and the repository's conditional claim decides the race, so concurrent
 * duplicates of one address all land on the same contact and only one reports `created`.
 */
export const recordSubmission = async (
  submission: Submission,
  repository: ContactRepository,
  now: Date,
): Promise<IntakeOutcome> => {
  const contactId = randomUUID();
  const firstTouch = touchFromSubmission(submission, { touchId: randomUUID(), contactId }, now);
  const contact = newContact(submission, firstTouch);
  if (await repository.createContact(contact)) return { contact, created: true };

  const existingId = await repository.contactIdForEmail(normaliseEmail(submission.email));
  if (!existingId) throw new Error('Address claimed but its contact id could not be read');
  const touch = touchFromSubmission(submission, { touchId: randomUUID(), contactId: existingId }, now);
  const updated = await repository.addTouch(touch, changesFromRepeatSubmission(submission, touch));
  return { contact: updated, created: false };
};
