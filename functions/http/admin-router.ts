import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiRoutes, routeKey } from '../../lib/api-routes.js';
import { callerOf } from './caller.js';
import { errorResponse, type HttpResult } from './responses.js';

export type AdminRoute = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** Which groups may call each admin route: the same list the stack deploys the routes from. */
const allowedRoles = new Map(
  apiRoutes.filter((route) => route.auth === 'admin').map((route) => [routeKey(route), route.roles ?? []]),
);

/**
 * Every id in a path (a contact, a job, a template, a track) is far shorter; a longer one would
 * only reach DynamoDB to be refused there (a key is at most 2,048 bytes) as a 500.
 */
export const maxPathParameterLength = 200;

/**
 * The handler of a function behind admin routes (`routes` keyed by API Gateway's routeKey). The
 * authorizer (Cognito's JWT authorizer in AWS, the local router's check locally) has proved who is
 * calling; here the caller's groups must include one the route allows (least privilege).
 */
export const adminRouter =
  (routes: Readonly<Record<string, AdminRoute>>) =>
  async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const caller = callerOf(event);
    if (!caller) return errorResponse(401, 'unauthorized', 'Sign in first');
    const allowed = allowedRoles.get(event.routeKey) ?? [];
    if (!caller.roles.some((role) => allowed.includes(role))) {
      return errorResponse(403, 'forbidden', `${event.routeKey} is for ${allowed.join(', ')}`, [
        { path: 'Authorization', message: `needs one of the groups ${allowed.join(', ')}` },
      ]);
    }
    for (const [name, value] of Object.entries(event.pathParameters ?? {})) {
      if ((value ?? '').length > maxPathParameterLength) {
        return errorResponse(400, 'validation_failed', `The path's ${name} is too long`, [
          { path: name, message: `at most ${maxPathParameterLength} characters` },
        ]);
      }
    }
    const route = Object.hasOwn(routes, event.routeKey) ? routes[event.routeKey] : undefined;
    if (!route) return errorResponse(404, 'not_found', `No route ${event.routeKey}`);
    return route(event);
  };
