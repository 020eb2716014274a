import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiRoutes, routeKey } from '../../lib/api-routes.js';
import { clock } from '../adapters/clock.js';
import { ConsentLedger } from '../adapters/consent-ledger.js';
import { eraseContact } from '../adapters/contact-erasure.js';
import { ContactLister } from '../adapters/contact-finder.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { putEvents } from '../adapters/event-bus.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { RulesRepository } from '../adapters/rules-repository.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import { requireEnv } from '../config/env.js';
import { erasedEvent } from '../domain/bus-events.js';
import { decisionFits, signalsOf } from '../domain/journey.js';
import { explainScore } from '../domain/lead-score.js';
import { publisher } from '../domain/publication.js';
import { callerOf } from '../http/caller.js';
import { readBody } from '../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { deliverContactEvent } from '../journey/deliver-event.js';
import { funnelReportRoute } from '../reports/funnel.js';
import { rulesRoutes } from '../rules/routes.js';
import { scheduleRoutes } from '../schedules/routes.js';
import { templateRoutes } from '../templates/routes.js';
import { parseAdminEvent } from './contact-events.js';
import { contactListRoutes } from './contact-list.js';
import { contactView } from './contact-view.js';

const tableName = requireEnv('TABLE_NAME');
const contacts = new ContactRepository(tableName);
const journeys = new JourneyRepository(tableName);
const consents = new ConsentLedger(tableName);
const rules = new RulesRepository(tableName);

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

const contactIdOf = (event: APIGatewayProxyEventV2) => event.pathParameters?.id ?? '';
const noContact = (contactId: string) => errorResponse(404, 'not_found', `No contact ${contactId}`);

const getContact: Route = async (event) => {
  const contactId = contactIdOf(event);
  const contact = await contacts.getContact(contactId);
  if (!contact) return noContact(contactId);
  const [touches, consentRecords, rulesNow] = await Promise.all([
    contacts.listTouches(contactId),
    consents.records(contactId),
    rules.current(),
  ]);
  const scoreExplanation = explainScore(signalsOf(contact), contact, rulesNow, clock.now());
  return json(200, contactView(contact, touches, consentRecords, scoreExplanation));
};

/** A sales decision or another admin event, handed to the contact's journey. */
const postContactEvent: Route = async (event) => {
  const contactId = contactIdOf(event);
  const body = readBody(event);
  if (!body.ok) return body.response;
  const parsed = parseAdminEvent(body.input);
  if (!parsed.ok)
    return errorResponse(400, 'validation_failed', 'The event has invalid fields', parsed.issues);
  const { type, eventId, reason, note } = parsed.value;
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
  const caller = callerOf(event);
  const detail = {
    ...(reason ? { reason } : {}),
    ...(note ? { note } : {}),
    ...(caller ? { bySub: caller.sub, ...(caller.email ? { byEmail: caller.email } : {}) } : {}),
  };
  const delivered = await deliverContactEvent(
    journeys,
    contactId,
    type,
    clock.now(),
    Object.keys(detail).length > 0 ? detail : undefined,
    eventId,
  );
  if (!delivered) return noContact(contactId);
  return json(202, { contactId, eventId: delivered.eventId, type: delivered.type, at: delivered.at });
};

/** Erasure: everything about the contact goes, and its journey ends at its next step. */
const deleteContact: Route = async (event) => {
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
  return { statusCode: 204, headers: {}, body: '' };
};

/** Keyed by API Gateway's routeKey; the caller was authenticated before the event got here. */
const routes: Record<string, Route> = {
  ...contactListRoutes(contacts, new ContactLister(tableName)),
  'GET /v1/contacts/{id}': getContact,
  'POST /v1/contacts/{id}/events': postContactEvent,
  'DELETE /v1/contacts/{id}': deleteContact,
  ...scheduleRoutes(tableName),
  ...templateRoutes(tableName),
  ...rulesRoutes(tableName, contacts, rules),
  'GET /v1/reports/funnel': funnelReportRoute(tableName),
};

/** Which groups may call each admin route: the same list the stack deploys the routes from. */
const allowedRoles = new Map(
  apiRoutes.filter((route) => route.auth === 'admin').map((route) => [routeKey(route), route.roles ?? []]),
);

/**
 * The authorizer (Cognito's JWT authorizer in AWS, the local router's check locally) has proved
 * who is calling; here the caller's groups must include one the route allows (least privilege).
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const caller = callerOf(event);
  if (!caller) return errorResponse(401, 'unauthorized', 'Sign in first');
  const allowed = allowedRoles.get(event.routeKey) ?? [];
  if (!caller.roles.some((role) => allowed.includes(role))) {
    return errorResponse(403, 'forbidden', `${event.routeKey} is for ${allowed.join(', ')}`, [
      { path: 'Authorization', message: `needs one of the groups ${allowed.join(', ')}` },
    ]);
  }
  const route = Object.hasOwn(routes, event.routeKey) ? routes[event.routeKey] : undefined;
  if (!route) return errorResponse(404, 'not_found', `No route ${event.routeKey}`);
  return route(event);
};
