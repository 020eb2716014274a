import { createHash } from 'node:crypto';
import type { SNSEvent } from 'aws-lambda';
import * as z from 'zod';
import { ContactRepository } from '../adapters/contact-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { type LedgerKey, SendLedger } from '../adapters/send-ledger.js';
import { requireEnv } from '../config/env.js';
import { type Track, tracks } from '../domain/schedule.js';
import type { MailOutcome } from '../domain/sent-email.js';
import { deliverContactEvent } from '../journey/lifecycle.js';

const tableName = requireEnv('TABLE_NAME');
const contacts = new ContactRepository(tableName);
const journeys = new JourneyRepository(tableName);
const ledger = new SendLedger(tableName);

/** The parts of an SES event-publishing record this handler acts on; the rest is ignored. */
const sesEventSchema = z.object({
  eventType: z.string(),
  mail: z.object({
    messageId: z.string().min(1),
    timestamp: z.iso.datetime(),
    tags: z.record(z.string(), z.array(z.string())).default({}),
  }),
  bounce: z
    .object({ bounceType: z.string(), bounceSubType: z.string().optional(), timestamp: z.iso.datetime() })
    .optional(),
  complaint: z
    .object({ complaintFeedbackType: z.string().optional(), timestamp: z.iso.datetime() })
    .optional(),
  click: z.object({ link: z.string(), timestamp: z.iso.datetime() }).optional(),
  delivery: z.object({ timestamp: z.iso.datetime() }).optional(),
  open: z.object({ timestamp: z.iso.datetime() }).optional(),
});

type SesEvent = z.infer<typeof sesEventSchema>;

type Outcome =
  | { kind: 'suppress'; type: 'bounced' | 'complained'; at: string; reason: string }
  | { kind: 'engage'; at: string; link: string }
  | { kind: 'ignore' };

/**
 * What an SES event means for the funnel. A permanent bounce or a complaint ends all email to the
 * address. A click is engagement. An open is not: Apple Mail Privacy Protection and corporate
 * scanners open every message, so opens say nothing about the person. Deliveries, transient
 * bounces (SES retries those itself) and the rest are only logged.
 */
const outcomeOf = (event: SesEvent): Outcome => {
  if (event.eventType === 'Bounce' && event.bounce?.bounceType === 'Permanent') {
    const reason = ['bounced', event.bounce.bounceSubType].filter(Boolean).join(': ');
    return { kind: 'suppress', type: 'bounced', at: event.bounce.timestamp, reason };
  }
  if (event.eventType === 'Complaint' && event.complaint) {
    const reason = ['complained', event.complaint.complaintFeedbackType].filter(Boolean).join(': ');
    return { kind: 'suppress', type: 'complained', at: event.complaint.timestamp, reason };
  }
  // The unsubscribe link is untracked in our templates; should a client follow it through a
  // tracked redirect anyway, it is still not engagement.
  if (event.eventType === 'Click' && event.click && !event.click.link.includes('/v1/unsubscribe')) {
    return { kind: 'engage', at: event.click.timestamp, link: event.click.link };
  }
  return { kind: 'ignore' };
};

/** What an SES event says became of the message, for its ledger entry's status. */
const mailOutcomeOf = (
  event: SesEvent,
  outcome: Outcome,
): { outcome: MailOutcome; at: string } | undefined => {
  if (outcome.kind === 'suppress') return { outcome: outcome.type, at: outcome.at };
  if (outcome.kind === 'engage') return { outcome: 'clicked', at: outcome.at };
  if (event.eventType === 'Delivery' && event.delivery)
    return { outcome: 'delivered', at: event.delivery.timestamp };
  if (event.eventType === 'Open' && event.open) return { outcome: 'opened', at: event.open.timestamp };
  return undefined;
};

/**
 * SES event publishing, through SNS: each record's message is one SES event. The contact event
 * it becomes is keyed by the SES message id, the event type (and the link, for clicks) and the
 * SES timestamp, so an SNS redelivery stores the same item again instead of a second event.
 */
export const handler = async (event: SNSEvent): Promise<void> => {
  for (const record of event.Records) {
    const parsed = sesEventSchema.safeParse(parseJson(record.Sns.Message));
    if (!parsed.success) {
      // Retrying a message that cannot be read would fail the same way: log it and move on.
      logger.error('Unreadable SES event', {
        snsMessageId: record.Sns.MessageId,
        issues: parsed.error.issues,
      });
      continue;
    }
    await handleSesEvent(parsed.data);
  }
};

/**
 * The ledger entry a message was sent under, from its tags: a step's (track, round, step) or a
 * reply's (the submission it answers). Undefined for a test send or a message without them.
 */
const ledgerKeyOf = (tags: SesEvent['mail']['tags']): LedgerKey | undefined => {
  const [track, round, step] = [tags.track?.[0], Number(tags.round?.[0]), tags.step?.[0]];
  if (!step) return undefined;
  if (track === 'transactional') return { replyTo: step };
  if ((tracks as readonly string[]).includes(track ?? '') && Number.isInteger(round)) {
    return { track: track as Track, round, stepId: step };
  }
  return undefined;
};

const handleSesEvent = async (ses: SesEvent): Promise<void> => {
  const contactId = ses.mail.tags.contactId?.[0];
  const context = { eventType: ses.eventType, messageId: ses.mail.messageId, contactId };
  if (ses.eventType === 'Send') {
    // SES has the message: its ledger entry is sent, even if the step that sent it died before
    // saying so, and so it is never sent again.
    const key = ledgerKeyOf(ses.mail.tags);
    const confirmed =
      contactId !== undefined &&
      key !== undefined &&
      (await ledger.confirmSent(contactId, key, ses.mail.messageId, new Date(ses.mail.timestamp)));
    logger.info('SES accepted a message', { ...context, confirmed });
    return;
  }
  const outcome = outcomeOf(ses);
  // On the message's ledger entry, for the contact page: the first time of each outcome stays, so
  // a redelivery changes nothing. A message without an entry (a test send) gets none.
  const mailed = mailOutcomeOf(ses, outcome);
  const key = ledgerKeyOf(ses.mail.tags);
  if (mailed && contactId && key) {
    await ledger.recordOutcome(contactId, key, mailed.outcome, new Date(mailed.at));
  }
  if (outcome.kind === 'ignore' || !contactId) {
    logger.info('SES event', { ...context, bounceType: ses.bounce?.bounceType });
    return;
  }
  const at = new Date(outcome.at);
  const eventIdBase = `ses-${ses.mail.messageId}-${ses.eventType}`;

  if (outcome.kind === 'engage') {
    const detail: Record<string, string> = { link: outcome.link, messageId: ses.mail.messageId };
    for (const tag of ['track', 'step'] as const) {
      const value = ses.mail.tags[tag]?.[0];
      if (value) detail[tag] = value;
    }
    const linkId = createHash('sha256').update(outcome.link).digest('base64url').slice(0, 16);
    const stored = await deliverContactEvent(
      journeys,
      contactId,
      'engaged',
      at,
      detail,
      `${eventIdBase}-${linkId}`,
    );
    logger.info('Click recorded', { ...context, stored: stored !== undefined });
    return;
  }

  const contact = await contacts.getContact(contactId);
  if (!contact || contact.stage === 'suppressed') {
    // Erased, or this is a redelivery of what suppressed it: nothing more to do.
    logger.info('SES event for an absent or suppressed contact', {
      ...context,
      found: contact !== undefined,
    });
    return;
  }
  // Event first, then the mark, as the unsubscribe does: a retry after a failure in between
  // re-delivers the same event id (stored once) and completes the mark.
  await deliverContactEvent(journeys, contactId, outcome.type, at, { reason: outcome.reason }, eventIdBase);
  await contacts.markUnreachable(contactId, 'suppressed', at, outcome.reason);
  logger.info('Contact suppressed', { ...context, reason: outcome.reason });
};

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};
