import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ContactRepository } from '../adapters/contact-repository.js';
import { requireEnv } from '../config/env.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { contactView } from './contact-view.js';

const repository = new ContactRepository(requireEnv('TABLE_NAME'));

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

const getContact: Route = async (event) => {
  const contactId = event.pathParameters?.id ?? '';
  const contact = await repository.getContact(contactId);
  if (!contact) return errorResponse(404, 'not_found', `No contact ${contactId}`);
  return json(200, contactView(contact, await repository.listTouches(contactId)));
};

/** Keyed by API Gateway's routeKey; authorization happened before the event got here (IAM in AWS). */
const routes: Record<string, Route> = {
  'GET /v1/contacts/{id}': getContact,
};

export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  const route = routes[event.routeKey];
  if (!route) return errorResponse(404, 'not_found', `No route ${event.routeKey}`);
  return route(event);
};
