import { randomUUID } from 'node:crypto';
import type { ConsentLedger } from '../adapters/consent-ledger.js';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import { fullJitterMs } from '../domain/backoff.js';
import { consentFromSubmission } from '../domain/consent.js';
import { type Contact, changesFromRepeatSubmission, newContact } from '../domain/contact.js';
import { normaliseEmail } from '../domain/email-address.js';
import type { QualificationRules } from '../domain/qualification.js';
import type { Submission } from '../domain/submission.js';
import { type Touch, touchFromSubmission } from '../domain/touch.js';
import { deliverContactEvent } from '../journey/lifecycle.js';

export interface IntakeOutcome {
  contact: Contact;
  /** The submission's own touch. */
  touch: Touch;
  created: boolean;
  /** A double opt-in confirmation is due. */
  confirm: boolean;
}

export interface IntakeDependencies {
  contacts: ContactRepository;
  journeys: JourneyRepository;
  consents: ConsentLedger;
  /** The qualification rules in force, to score a new contact's first touch by. */
  rules(): Promise<QualificationRules>;
  /** Starts generation 1 of the contact's journey; starting it again is a no-op. */
  startJourney(contactId: string): Promise<void>;
  /** Whether the deployment counts this form's "yes" at once (single opt-in). */
  singleOptIn(form: string | undefined): boolean;
}

/** What the journey needs to know of a further submission to score it and honour its buying stage. */
const submissionDetail = (touch: Touch): Record<string, string> => ({
  touchId: touch.touchId,
  channel: touch.where.channel,
  ...(touch.where.utm_source ? { utmSource: touch.where.utm_source } : {}),
  ...(touch.where.utm_campaign ? { utmCampaign: touch.where.utm_campaign } : {}),
  formKind: touch.what.kind,
  ...(touch.what.form ? { form: touch.what.form } : {}),
  ...(touch.why.offer ? { offerType: touch.why.offer.type } : {}),
  ...(touch.buyingStage ? { buyingStage: touch.buyingStage } : {}),
});

const maxConsentAttempts = 5;
/** How long a submission waits for an erasure of its address's contact to finish: one takes well under a second. */
const erasureWaitMs = 10_000;

/**
 * Applies the submission's consent answer to the contact as it is now, with its record; decides
 * again if a concurrent change got there first.
 */
const applyConsent = async (
  initial: Contact,
  submission: Submission,
  touch: Touch,
  deps: IntakeDependencies,
  clientHash: string | undefined,
): Promise<{ contact: Contact; confirm: boolean }> => {
  let contact: Contact | undefined = initial;
  for (let attempt = 0; contact && attempt < maxConsentAttempts; attempt++) {
    const decision = consentFromSubmission(contact.consent, submission.consent, touch, {
      singleOptIn: deps.singleOptIn(touch.what.form),
      wording: submission.consentText,
    });
    if (!decision.change) return { contact, confirm: decision.confirm };
    if (await deps.consents.apply(contact.contactId, contact.consent, decision.change, clientHash)) {
      return { contact: { ...contact, consent: decision.change.consent }, confirm: decision.confirm };
    }
    contact = await deps.contacts.getContact(contact.contactId);
  }
  if (!contact) return { contact: initial, confirm: false };
  throw new Error(`Consent of ${initial.contactId} kept changing under concurrent submissions`);
};

/**
 * A new address becomes a contact and starts its journey; a known one gets the submission as a
 * further touch, delivered to its journey as an event. The create is tried first and the
 * repository's conditional claim decides the race, so concurrent duplicates of one address all
 * land on the same contact and only one reports `created`. Consent is applied before the journey
 * hears of the submission, so its next step already knows whether it may send marketing email.
 *
 * An erasure of the address's contact serialises with it on the address claim: while the contact
 * is being erased, the submission waits (jittered, up to `erasureWaitMs`) and tries again, and
 * once the claim is gone it makes a fresh contact. A submission is answered only once it stands
 * on a contact that still exists: one whose touch was written just before the erasure took hold
 * lost that touch with the rest of the erased person's data, and is recorded again as if it had
 * come a moment later — which, to its sender, it did. So every submission answered after an
 * erasure leaves one contact; none is lost, none answered 500.
 */
export const recordSubmission = async (
  submission: Submission,
  deps: IntakeDependencies,
  now: Date,
  clientHash?: string,
): Promise<IntakeOutcome> => {
  const deadline = Date.now() + erasureWaitMs;
  for (let attempt = 0; ; attempt++) {
    const outcome = await recordOnce(submission, deps, now, clientHash);
    if (outcome) return outcome;
    if (Date.now() >= deadline) {
      throw new Error(`The address's contact was still being erased after ${erasureWaitMs} ms`);
    }
    await new Promise((wait) => setTimeout(wait, fullJitterMs(attempt, { baseMs: 20, capMs: 1000 })));
  }
};

/** One try; undefined when the address's contact is being erased, or was while this ran. */
const recordOnce = async (
  submission: Submission,
  deps: IntakeDependencies,
  now: Date,
  clientHash: string | undefined,
): Promise<IntakeOutcome | undefined> => {
  const contactId = randomUUID();
  const firstTouch = touchFromSubmission(submission, { touchId: randomUUID(), contactId }, now);
  const created = newContact(submission, firstTouch, await deps.rules());
  if (await deps.contacts.createContact(created)) {
    const { contact, confirm } = await applyConsent(created, submission, firstTouch, deps, clientHash);
    await deps.startJourney(contactId);
    return { contact, touch: firstTouch, created: true, confirm };
  }

  const existingId = await deps.contacts.contactIdForEmail(normaliseEmail(submission.email));
  if (!existingId) return undefined;
  const touch = touchFromSubmission(submission, { touchId: randomUUID(), contactId: existingId }, now);
  const updated = await deps.contacts.addTouch(touch, changesFromRepeatSubmission(submission, touch));
  if (!updated) return undefined;
  const { contact, confirm } = await applyConsent(updated, submission, touch, deps, clientHash);
  // A journey whose first step never ran may never have started (the creating request failed
  // after the write): starting it is idempotent, so make sure.
  if (!contact.journey) await deps.startJourney(existingId);
  // The last write, and it holds only while the contact is live: it says the submission stands.
  const delivered = await deliverContactEvent(
    deps.journeys,
    existingId,
    'submitted',
    now,
    submissionDetail(touch),
    touch.touchId,
  );
  return delivered ? { contact, touch, created: false, confirm } : undefined;
};
