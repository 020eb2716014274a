import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { ConsentLedger } from '../adapters/consent-ledger.js';
import { eraseContact } from '../adapters/contact-erasure.js';
import { ContactLister } from '../adapters/contact-lister.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { putEvents } from '../adapters/event-bus.js';
import { JobRepository } from '../adapters/job-repository.js';
import {
  DecisionTaken,
  type EventClaim,
  EventIdTaken,
  JourneyRepository,
} from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { RulesRepository } from '../adapters/rules-repository.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { SendLedger } from '../adapters/send-ledger.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';
import { erasedEvent } from '../domain/bus-events.js';
import { decisionFits, isSalesDecision } from '../domain/journey.js';
import { publisher } from '../domain/publication.js';
import { type AdminRoute, adminRouter } from '../http/admin-router.js';
import { callerOf } from '../http/caller.js';
import { readBody } from '../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { deliverContactEvent } from '../journey/lifecycle.js';
import { eventFingerprint, parseAdminEvent } from './contact-events.js';
import { contactListRoutes } from './contact-list.js';
import { contactViewRoutes } from './contact-view.js';
import { jobRoutes } from './jobs.js';
import { funnelReportRoute } from './reports/funnel.js';
import { sourceReportRoute } from './reports/sources.js';
import { rulesRoutes } from './rules/routes.js';
import { scheduleRoutes } from './schedules/routes.js';

const tableName = requireEnv('TABLE_NAME');
const contacts = new ContactRepository(tableName);
const journeys = new JourneyRepository(tableName);
const consents = new ConsentLedger(tableName);
const rules = new RulesRepository(tableName);
const currentRules = () => rules.current();

const contactIdOf = (event: APIGatewayProxyEventV2) => event.pathParameters?.id ?? '';
const noContact = (contactId: string) => errorResponse(404, 'not_found', `No contact ${contactId}`);

/** A sales decision or another admin event, handed to the contact's journey. */
const postContactEvent: AdminRoute = async (event) => {
  const contactId = contactIdOf(event);
  const body = readBody(event);
  if (!body.ok) return body.response;
  const parsed = parseAdminEvent(body.input);
  if (!parsed.ok)
    return errorResponse(400, 'validation_failed', 'The event has invalid fields', parsed.issues);
  const { type, eventId, reason, note } = parsed.value;
  const caller = callerOf(event);
  const fingerprint = eventId === undefined ? undefined : eventFingerprint(parsed.value, caller?.sub);
  // A retry is answered as the first request was, even once the journey has moved on.
  const claimed = eventId === undefined ? undefined : await journeys.eventClaim(contactId, eventId);
  if (claimed) return repeatedEvent(contactId, claimed, fingerprint);
  const contact = await contacts.getContact(contactId);
  if (!contact) return noContact(contactId);
  if (!decisionFits(contact.stage, type)) {
    return errorResponse(
      409,
      'decision_not_allowed',
      `${type} does not fit a contact at stage ${contact.stage}`,
      [{ path: 'type', message: `does not fit stage ${contact.stage}` }],
    );
  }
  const detail = {
    ...(reason ? { reason } : {}),
    ...(note ? { note } : {}),
    ...(caller ? { bySub: caller.sub, ...(caller.email ? { byEmail: caller.email } : {}) } : {}),
  };
  // Two reps deciding at once both see a sales lead: the first decision on this stage visit
  // counts, the other is refused rather than accepted and then silently ignored by the journey.
  const decisionSlot = isSalesDecision(type)
    ? `${contact.stage}#${contact.journey?.stageSince ?? contact.createdAt}`
    : undefined;
  let delivered: Awaited<ReturnType<typeof deliverContactEvent>>;
  try {
    delivered = await deliverContactEvent(
      journeys,
      contactId,
      type,
      clock.now(),
      Object.keys(detail).length > 0 ? detail : undefined,
      eventId ?? randomUUID(),
      decisionSlot,
      fingerprint,
    );
  } catch (error) {
    if (error instanceof EventIdTaken) return repeatedEvent(contactId, error.claim, fingerprint);
    if (!(error instanceof DecisionTaken)) throw error;
    return errorResponse(
      409,
      'decision_not_allowed',
      `A decision on this ${contact.stage.replace('_', ' ')} was already recorded`,
      [{ path: 'type', message: 'another decision was recorded first at this stage' }],
    );
  }
  if (!delivered) return noContact(contactId);
  return json(202, { contactId, eventId: delivered.eventId, type: delivered.type, at: delivered.at });
};

/** The answer to an `eventId` already used: the first answer for a retry, else a 409. */
const repeatedEvent = (contactId: string, claim: EventClaim, fingerprint: string | undefined): HttpResult =>
  claim.fingerprint === fingerprint
    ? json(202, { contactId, eventId: claim.eventId, type: claim.type, at: claim.at })
    : errorResponse(409, 'event_id_reused', `Event ${claim.eventId} was already recorded with another body`, [
        { path: 'eventId', message: 'was already used for a different event: use a new id' },
      ]);

/**
 * Erasure: everything about the contact goes, and its journey ends at its next step. 204 as
 * always; a caller that asks with `Prefer: return=representation` (RFC 7240), as the admin page
 * does, gets the receipt instead: who erased whom, and when.
 */
const deleteContact: AdminRoute = async (event) => {
  const contactId = contactIdOf(event);
  const now = clock.now();
  const caller = callerOf(event);
  const erasedBy = caller ? publisher(caller) : undefined;
  const erased = await eraseContact(tableName, contactId, now, await deploymentSecret(), erasedBy);
  if (!erased) return noContact(contactId);
  if (erased.taskToken) await wakeTask(erased.taskToken, { wokenBy: 'erasure' });
  // After the erasure, so no consumer hears of one that did not happen. Should the put fail, the
  // erasure stands and the 500 says the announcement did not go out.
  await putEvents([erasedEvent(contactId, now)]);
  logger.info('Contact erased', { contactId, erasedBy });
  if (/\breturn=representation\b/.test(event.headers.prefer ?? '')) {
    const receipt = { contactId, erasedAt: now.toISOString(), ...(erasedBy ? { erasedBy } : {}) };
    return json(200, receipt, { 'preference-applied': 'return=representation' });
  }
  return { statusCode: 204, headers: {}, body: '' };
};

/** Keyed by API Gateway's routeKey; the caller was authenticated before the event got here. */
const routes: Record<string, AdminRoute> = {
  ...contactListRoutes(contacts, new ContactLister(tableName), currentRules),
  ...contactViewRoutes({ contacts, consents, ledger: new SendLedger(tableName), rules: currentRules }),
  'POST /v1/contacts/{id}/events': postContactEvent,
  'DELETE /v1/contacts/{id}': deleteContact,
  ...scheduleRoutes(tableName),
  ...rulesRoutes(tableName, contacts, rules),
  ...jobRoutes(new JobRepository(tableName)),
  'GET /v1/reports/funnel': funnelReportRoute(tableName),
  'GET /v1/reports/sources': sourceReportRoute(tableName),
};

/** The authorizer has proved who is calling; `adminRouter` checks the caller's groups per route. */
export const handler = adminRouter(routes);
