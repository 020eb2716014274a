import { clock } from '../adapters/clock.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { putEvents } from '../adapters/event-bus.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { sendSalesHandoffEmail } from '../adapters/mailer.js';
import { RulesRepository } from '../adapters/rules-repository.js';
import { ScheduleRepository } from '../adapters/schedule-repository.js';
import { SendLedger } from '../adapters/send-ledger.js';
import { deliveryLimits, requireEnv } from '../config/env.js';
import { contactPageLink } from '../domain/bus-events.js';
import { advanceJourney, type JourneyDecision, type JourneyInput } from './advance.js';
import { sendStepEmail } from './send-step-email.js';
import type { AdvanceDependencies } from './step-dependencies.js';

const tableName = requireEnv('TABLE_NAME');
const salesInbox = requireEnv('SALES_INBOX');
const rules = new RulesRepository(tableName);
const adminPageUrl = requireEnv('ADMIN_PAGE_URL');
const dependencies: AdvanceDependencies = {
  contacts: new ContactRepository(tableName),
  journeys: new JourneyRepository(tableName),
  schedules: new ScheduleRepository(tableName),
  ledger: new SendLedger(tableName),
  rules: () => rules.current(),
  limits: deliveryLimits(),
  sendStepEmail,
  putEvents,
  sendSalesHandoff: (contact, handoff, reasons) =>
    sendSalesHandoffEmail(
      salesInbox,
      {
        firstName: contact.firstName,
        lastName: contact.lastName,
        company: contact.company,
        jobTitle: contact.jobTitle,
        email: contact.email,
        score: handoff.score,
        reasons,
        handoffReason: handoff.reason,
        channel: handoff.latestTouch.channel,
        what: handoff.latestTouch.what,
        offerType: handoff.latestTouch.offerType ?? undefined,
        url: contactPageLink(adminPageUrl, contact.contactId),
      },
      contact.contactId,
    ),
  adminPageUrl,
};

/** The journey's step task: decides, sends what fell due, and says how long to wait. */
export const handler = async (input: JourneyInput): Promise<JourneyDecision> => {
  const decision = await advanceJourney(input, dependencies, clock.now());
  logger.info('Journey step', { ...decision });
  return decision;
};
