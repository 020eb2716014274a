import type { SentEmail, TransactionalEmail } from '../adapters/mailer.js';
import type { SendLedger } from '../adapters/send-ledger.js';
import type { Contact } from '../domain/contact.js';
import { requestTemplateFor } from '../domain/offers.js';
import type { Touch } from '../domain/touch.js';

/**
 * Replies to a contact that has said yes to marketing (so has shown the address is its own) at
 * most this many times a day, however many requests arrive.
 */
export const maxRepliesPerDay = 3;
/**
 * Before that, the intake is anyone's way to make us write to an address: one reply a day, and
 * this many a week.
 */
export const maxUnconfirmedRepliesPerWeek = 3;

const dayMs = 86_400_000;

export interface ReplyDependencies {
  ledger: SendLedger;
  send(email: TransactionalEmail): Promise<SentEmail>;
  /** The signed double opt-in link for the request waiting since the submission `touchId`. */
  confirmUrl(contactId: string, touchId: string): Promise<string>;
}

/** The template that answers the contact's latest submission, if it asked for anything. */
const replyTemplate = (touch: Touch, confirm: boolean) =>
  requestTemplateFor(touch.why.offer) ?? (confirm ? 'confirm-subscription' : undefined);

/** Whether the caps leave room for one more reply now; claims the day's reply when unconfirmed. */
const withinCaps = async (contact: Contact, deps: ReplyDependencies, now: Date): Promise<boolean> => {
  const day = new Date(now.getTime() - dayMs);
  if (contact.consent.marketing) {
    return (await deps.ledger.replyTimes(contact.contactId, day)).length < maxRepliesPerDay;
  }
  const week = await deps.ledger.replyTimes(contact.contactId, new Date(now.getTime() - 7 * dayMs));
  if (week.length >= maxUnconfirmedRepliesPerWeek || week.some((at) => at >= day.toISOString())) return false;
  return deps.ledger.claimReplyDay(contact.contactId, now.toISOString().slice(0, 10), now);
};

/**
 * What a submission asked for — the e-book's link, the webinar's joining
 * details, a demo request's confirmation — and, when it said yes to marketing on a double opt-in
 * form, the link that confirms it: one transactional email, sent once per submission (the ledger
 * claims it by touch id). A request is answered whatever the contact said about marketing: it is
 * what the contact asked for. An address that bounced or complained is never mailed again.
 * Replies are outside the marketing ledger, so the frequency cap never counts them.
 */
export const replyToSubmission = async (
  contact: Contact,
  touch: Touch,
  /** A double opt-in confirmation is due; the rules hand the request to sales (the reply may say so). */
  { confirm, salesFollowUp }: { confirm: boolean; salesFollowUp: boolean },
  deps: ReplyDependencies,
  now: Date,
): Promise<void> => {
  const waiting = confirm ? contact.consent.pending : undefined;
  const template = replyTemplate(touch, waiting !== undefined);
  if (!template || contact.suppression || contact.stage === 'suppressed') return;
  if (!(await withinCaps(contact, deps, now))) return;
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
      salesFollowUp,
      confirmUrl: waiting ? await deps.confirmUrl(contact.contactId, waiting.touchId) : undefined,
    });
  } catch (error) {
    // Nothing went out: free the claims so a retry of this request can send it.
    await deps.ledger.releaseReply(contact.contactId, touch.touchId);
    if (!contact.consent.marketing) {
      await deps.ledger.releaseReplyDay(contact.contactId, now.toISOString().slice(0, 10));
    }
    throw error;
  }
  await deps.ledger.markReplySent(contact.contactId, touch.touchId, sent, now);
};
