/**
 * What the journey step reads and writes through, and the emails it sends: the step
 * (`advance.ts`) and its helpers take these, the handler (`advance-handler.ts`) provides them.
 */
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import type { ScheduleRepository } from '../adapters/schedule-repository.js';
import type { SendLedger } from '../adapters/send-ledger.js';
import type { BusEvent, SalesLeadReadyDetail } from '../domain/bus-events.js';
import type { Contact } from '../domain/contact.js';
import type { ScoreLine } from '../domain/lead-score.js';
import type { QualificationRules } from '../domain/qualification.js';
import type { DeliveryLimits, ScheduleStep, Track } from '../domain/schedule.js';

/** What a sent step used: the ledger records the message and the template version. */
export interface SentStep {
  messageId: string;
  template: { name: string; version: number };
}

/** Sends one step's email; undefined when the contact can no longer be emailed (nothing sent). */
export type SendStepEmail = (
  contact: Contact,
  track: Track,
  round: number,
  step: ScheduleStep,
) => Promise<SentStep | undefined>;

export interface AdvanceDependencies {
  contacts: ContactRepository;
  journeys: JourneyRepository;
  schedules: ScheduleRepository;
  ledger: SendLedger;
  /** The qualification rules in force: read at each step, so a publish applies at the next one. */
  rules: () => Promise<QualificationRules>;
  limits: DeliveryLimits;
  sendStepEmail: SendStepEmail;
  putEvents: (events: readonly BusEvent[]) => Promise<void>;
  sendSalesHandoff: SendSalesHandoff;
  /** The admin page (`…/admin`): events and the handoff email link to its contact view. */
  adminPageUrl: string;
}

/** Sends the sales inbox the email about one handoff, with the causes of the score it announces. */
export type SendSalesHandoff = (
  contact: Contact,
  handoff: SalesLeadReadyDetail,
  reasons: readonly ScoreLine[],
) => Promise<SentStep>;
