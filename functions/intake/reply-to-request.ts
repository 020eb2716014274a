import type { SentEmail, TransactionalEmail } from '../adapters/mailer.js';
import type { SendLedger } from '../adapters/send-ledger.js';
import type { Contact } from '../domain/contact.js';
import { requestTemplateFor } from '../domain/offers.js';

/**
 * Replies to one address a day at most this many times, however many requests arrive: the intake
 * is anonymous, and nobody may use it to fill someone's inbox.
 */
export const maxRepliesPerDay = 3;

export interface ReplyDependencies {
  ledger: SendLedger;
  send(email: TransactionalEmail): Promise<SentEmail>;
}

/**
 * What the contact's latest touch asked for — the e-book's link, the webinar's joining details, a
 * demo request's confirmation — sent once per touch (the ledger claims it by touch id) as a
 * transactional email. Marketing consent has no say: it is what the contact asked for; an address
 * that bounced or complained is never mailed again. Replies are outside the marketing ledger, so
 * the frequency cap never counts them. Nothing else follows from it: marketing email still needs
 * consent, which this leaves as it is.
 */
export const replyToRequest = async (contact: Contact, deps: ReplyDependencies, now: Date): Promise<void> => {
  const touch = contact.latestTouch;
  const template = requestTemplateFor(touch.why.offer);
  if (!template || contact.suppression || contact.stage === 'suppressed') return;
  const since = new Date(now.getTime() - 86_400_000);
  if ((await deps.ledger.replyTimes(contact.contactId, since)).length >= maxRepliesPerDay) return;
  if (!(await deps.ledger.claimReply(contact.contactId, touch.touchId, template, now))) return;
  let sent: SentEmail;
  try {
    sent = await deps.send({
      contactId: contact.contactId,
      to: contact.email,
      template,
      reference: touch.touchId,
      firstName: contact.firstName,
      lastName: contact.lastName,
      company: contact.company,
      jobTitle: contact.jobTitle,
      offer: touch.why.offer,
    });
  } catch (error) {
    // Nothing went out: free the claim so a retry of this request can send it.
    await deps.ledger.releaseReply(contact.contactId, touch.touchId);
    throw error;
  }
  await deps.ledger.markReplySent(contact.contactId, touch.touchId, sent, now);
};
