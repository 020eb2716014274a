import { handRaiseOf } from './contact.js';
import { raisedHand } from './handoff.js';
import { offerCatalogue, requestTemplateFor } from './offers.js';
import type { QualificationRules } from './qualification.js';
import type { Submission } from './submission.js';

/**
 * What the intake tells the visitor will happen after a submission — the thank-you page says it.
 * It is worked out from the submission, the rules and the deployment's settings alone, never from
 * a contact the address may belong to: the answer is the same for a new address and a known one,
 * so an anonymous caller learns nothing about who is on the lists.
 */
export interface SubmissionPromise {
  /** The template of the email that answers the submission, or null when none is due. */
  email: string | null;
  /** What that email brings (an e-book's or a webinar's title), when the catalogue knows it. */
  title: string | null;
  /**
   * The "yes" to marketing email waits for a click on a confirmation link (double opt-in); an
   * address that confirmed before has nothing to do, which the page says without knowing which.
   */
  confirmation: boolean;
  /** The rules hand the request to sales: someone will be in touch. */
  salesFollowUp: boolean;
}

/** What of a submission the promise is made from. */
export type PromisedFor = Partial<Pick<Submission, 'offer' | 'buyingStage' | 'consent' | 'form'>>;

export const submissionPromise = (
  submission: PromisedFor,
  rules: Pick<QualificationRules, 'handoffOffers'>,
  singleOptIn: (form: string | undefined) => boolean,
): SubmissionPromise => {
  const confirmation = submission.consent === true && !singleOptIn(submission.form);
  const request = requestTemplateFor(submission.offer);
  const entry = submission.offer?.id ? offerCatalogue.get(submission.offer.id) : undefined;
  return {
    email: request ?? (confirmation ? 'confirm-subscription' : null),
    title: request && entry ? entry.title : null,
    confirmation,
    salesFollowUp: raisedHand(handRaiseOf(submission), rules) !== undefined,
  };
};
