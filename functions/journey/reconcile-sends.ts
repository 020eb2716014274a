import { logger } from '../adapters/logger.js';
import type { UnconfirmedSend } from '../adapters/send-ledger.js';
import type { Contact } from '../domain/contact.js';
import { reconcileClaims } from '../domain/send-reconciliation.js';
import type { AdvanceDependencies } from './step-dependencies.js';

type Deps = Pick<AdvanceDependencies, 'ledger' | 'schedules' | 'sendStepEmail'>;

const keyOf = ({ track, round, stepId }: UnconfirmedSend) => ({ track, round, stepId });

/**
 * One stale claim sent again, under its own key; SES refusing frees it for a later try. True when
 * an email went out.
 */
const resend = async (contact: Contact, claim: UnconfirmedSend, deps: Deps, now: Date): Promise<boolean> => {
  const { contactId } = contact;
  if (!(await deps.ledger.claimResend(contactId, keyOf(claim), now))) return false;
  const step = (await deps.schedules.current(claim.track)).steps.find((s) => s.id === claim.stepId);
  if (!step) {
    // The step left the schedule since: there is nothing to send any more.
    await deps.ledger.markUnconfirmed(contactId, keyOf(claim));
    return false;
  }
  let sent: Awaited<ReturnType<Deps['sendStepEmail']>>;
  try {
    sent = await deps.sendStepEmail(contact, claim.track, claim.round, step);
  } catch (error) {
    await deps.ledger.releaseResend(contactId, keyOf(claim));
    throw error;
  }
  if (!sent) {
    await deps.ledger.release(contactId, claim.track, claim.round, claim.stepId);
    return false;
  }
  await deps.ledger.markSent(contactId, claim.track, claim.round, claim.stepId, sent, now);
  logger.warn('Unconfirmed step email resent', { contactId, track: claim.track, step: claim.stepId });
  return true;
};

/**
 * Settles the contact's step emails still `sending` (see `reconcileClaims`) before the journey
 * plans its next one. Answers whether an email went out (the next step then counts from now) and
 * when to look again, for claims still inside their window.
 */
export const reconcileSends = async (
  contact: Contact,
  deps: Deps,
  now: Date,
): Promise<{ resent: boolean; recheckInMs?: number | undefined }> => {
  const plan = reconcileClaims(await deps.ledger.unconfirmed(contact.contactId), now);
  let resent = false;
  for (const claim of plan.resend) resent = (await resend(contact, claim, deps, now)) || resent;
  for (const claim of plan.abandon) {
    await deps.ledger.markUnconfirmed(contact.contactId, keyOf(claim));
    logger.error('Step email unconfirmed after its resend', {
      contactId: contact.contactId,
      track: claim.track,
      step: claim.stepId,
    });
  }
  return { resent, recheckInMs: plan.recheckInMs };
};
