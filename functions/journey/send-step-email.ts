import { clock } from '../adapters/clock.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { sendMarketingEmail } from '../adapters/mailer.js';
import { requireEnv } from '../config/env.js';
import { mayEmail, wantsTrack } from '../domain/contact.js';
import type { SendStepEmail } from './step-dependencies.js';

const contacts = new ContactRepository(requireEnv('TABLE_NAME'));

/**
 * The contact is read again just before the send: an unsubscribe, a bounce, a pause or a track
 * turned off that landed while this step was deciding must still stop the email.
 */
export const sendStepEmail: SendStepEmail = async (contact, track, round, step) => {
  const latest = await contacts.getContact(contact.contactId);
  if (!latest || !mayEmail(latest, clock.now()) || !wantsTrack(latest, track)) return undefined;
  return sendMarketingEmail({
    contactId: latest.contactId,
    to: latest.email,
    track,
    round,
    step: step.id,
    templateId: step.template,
    firstName: latest.firstName,
    lastName: latest.lastName,
    company: latest.company,
    jobTitle: latest.jobTitle,
    offer: latest.latestTouch.why.offer,
    subject: step.subject,
  });
};
