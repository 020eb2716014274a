import { clock } from '../adapters/clock.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { ScheduleRepository } from '../adapters/schedule-repository.js';
import { SendLedger } from '../adapters/send-ledger.js';
import { deliveryLimits, requireEnv } from '../config/env.js';
import { defaultRules } from '../domain/qualification.js';
import { advanceJourney, type JourneyDecision, type JourneyInput } from './advance.js';
import { sendStepEmail } from './send-step-email.js';

const tableName = requireEnv('TABLE_NAME');
const dependencies = {
  contacts: new ContactRepository(tableName),
  journeys: new JourneyRepository(tableName),
  schedules: new ScheduleRepository(tableName),
  ledger: new SendLedger(tableName),
  rules: defaultRules,
  limits: deliveryLimits(),
  sendStepEmail,
};

/** The journey's step task: decides, sends what fell due, and says how long to wait. */
export const handler = async (input: JourneyInput): Promise<JourneyDecision> => {
  const decision = await advanceJourney(input, dependencies, clock.now());
  logger.info('Journey step', { ...decision });
  return decision;
};
