import { type Where, whereFrom } from './attribution.js';
import type { BuyingStage } from './stages.js';
import type { CustomFields, Submission } from './submission.js';

/** What the contact did (a form on our page, a webinar, a list bought from a third party, an import). */
export interface What {
  kind: 'form' | 'webinar' | 'third_party_list' | 'import' | 'event';
  form?: string;
}

/** Why the contact came: the offer it asked for. */
export interface Why {
  offer?: { type: string; id?: string };
}

/** One time a contact reached us: where from, what it did, why, and what it told us then. */
export interface Touch {
  touchId: string;
  contactId: string;
  receivedAt: string;
  where: Where;
  what: What;
  why: Why;
  buyingStage?: BuyingStage;
  consent?: boolean;
  fields?: CustomFields;
}

/** The touch a submission records: where it came from, what the contact did, and why. */
export const touchFromSubmission = (
  submission: Submission,
  ids: { touchId: string; contactId: string },
  now: Date,
): Touch => {
  const touch: Touch = {
    ...ids,
    receivedAt: now.toISOString(),
    where: whereFrom(submission.source),
    what: submission.form ? { kind: 'form', form: submission.form } : { kind: 'form' },
    why: submission.offer ? { offer: submission.offer } : {},
  };
  if (submission.buyingStage) touch.buyingStage = submission.buyingStage;
  if (submission.consent !== undefined) touch.consent = submission.consent;
  if (submission.fields) touch.fields = submission.fields;
  return touch;
};
