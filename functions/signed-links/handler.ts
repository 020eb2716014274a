import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ConsentLedger } from '../adapters/consent-ledger.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { PreferenceStore } from '../adapters/preference-store.js';
import { requireEnv } from '../config/env.js';
import { errorResponse, type HttpResult } from '../http/responses.js';
import { confirmSubscription } from './confirm.js';
import { preferences } from './preferences.js';
import { unsubscribe } from './unsubscribe.js';

const tableName = requireEnv('TABLE_NAME');
const contacts = new ContactRepository(tableName);
const journeys = new JourneyRepository(tableName);
const consents = new ConsentLedger(tableName);
const preferenceStore = new PreferenceStore(tableName);

/** The signed links in our emails: `/v1/unsubscribe`, `/v1/confirm` and `/v1/preferences`. */
export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  if (event.routeKey.endsWith(' /v1/unsubscribe')) return unsubscribe(event, { contacts, journeys });
  if (event.routeKey.endsWith(' /v1/confirm'))
    return confirmSubscription(event, { contacts, journeys, consents });
  if (event.routeKey.endsWith(' /v1/preferences'))
    return preferences(event, { contacts, journeys, preferences: preferenceStore });
  return errorResponse(404, 'not_found', 'No such link');
};
