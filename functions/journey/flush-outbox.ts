import type { BusEvent } from '../domain/bus-events.js';
import { detailTypes } from '../domain/bus-events.js';
import type { Contact } from '../domain/contact.js';
import { signalsOf } from '../domain/journey.js';
import { explainScore } from '../domain/lead-score.js';
import type { QualificationRules } from '../domain/qualification.js';
import type { AdvanceDependencies, SentStep } from './step-dependencies.js';

type Deps = Pick<AdvanceDependencies, 'journeys' | 'ledger' | 'putEvents' | 'sendSalesHandoff'>;

/**
 * Carries out what saved stage changes announce: their events onto the bus, then, for a handoff,
 * the sales inbox's email, claimed in the ledger under the event's id so a retry never sends it
 * twice; then the outbox is cleared. Whatever fails leaves the outbox as it was, so the retried
 * step (or the contact's next one) puts the same events again, with the same ids.
 */
export const flushOutbox = async (
  contact: Contact,
  events: readonly BusEvent[],
  deps: Deps,
  now: Date,
  rules: QualificationRules,
): Promise<void> => {
  if (events.length === 0) return;
  const { contactId } = contact;
  await deps.putEvents(events);
  for (const event of events) {
    if (event.detailType !== detailTypes.salesLeadReady) continue;
    const { eventId } = event.detail;
    if (!(await deps.ledger.claimHandoff(contactId, eventId, now))) continue;
    let sent: SentStep;
    try {
      const { causes } = explainScore(signalsOf(contact), contact, rules, now);
      sent = await deps.sendSalesHandoff(contact, event.detail, causes);
    } catch (error) {
      // SES refused it: nothing went out, so free the handoff for the retry.
      await deps.ledger.releaseHandoff(contactId, eventId);
      throw error;
    }
    await deps.ledger.markHandoffSent(contactId, eventId, sent, now);
  }
  await deps.journeys.clearOutbox(contactId, events);
};
