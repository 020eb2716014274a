/**
 * The HTTP API's routes: read by the CDK construct that deploys them and by the local router
 * that serves them, so both expose the same contract.
 */
export type RouteAuth = 'public' | 'admin';
export type RouteTarget = 'intake' | 'admin' | 'unsubscribe';

/** Cognito groups (and the local identity provider's): what a signed-in user may do. */
export const roles = ['marketing', 'sales', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax, `{name}` for a path parameter. */
  readonly path: string;
  readonly target: RouteTarget;
  readonly auth: RouteAuth;
  /** For `admin` routes: the groups allowed to call it (`admin` is always among them). */
  readonly roles?: readonly Role[];
}

const marketing: readonly Role[] = ['marketing', 'admin'];
const sales: readonly Role[] = ['sales', 'admin'];
const everyone: readonly Role[] = ['marketing', 'sales', 'admin'];
const adminOnly: readonly Role[] = ['admin'];

const open = (method: ApiRoute['method'], path: string, target: RouteTarget): ApiRoute => ({
  method,
  path,
  target,
  auth: 'public',
});
const signedIn = (method: ApiRoute['method'], path: string, allowed: readonly Role[]): ApiRoute => ({
  method,
  path,
  target: 'admin',
  auth: 'admin',
  roles: allowed,
});

export const apiRoutes: readonly ApiRoute[] = [
  open('POST', '/v1/contacts', 'intake'),
  open('GET', '/v1/unsubscribe', 'unsubscribe'),
  open('POST', '/v1/unsubscribe', 'unsubscribe'),
  open('GET', '/v1/confirm', 'unsubscribe'),
  open('POST', '/v1/confirm', 'unsubscribe'),
  open('GET', '/v1/preferences', 'unsubscribe'),
  open('POST', '/v1/preferences', 'unsubscribe'),
  // Sales works the contacts; marketing reaches them only through reports and previews.
  signedIn('GET', '/v1/contacts', sales),
  signedIn('GET', '/v1/contacts/{id}', sales),
  signedIn('POST', '/v1/contacts/{id}/events', sales),
  signedIn('DELETE', '/v1/contacts/{id}', adminOnly),
  signedIn('GET', '/v1/schedules', marketing),
  signedIn('GET', '/v1/schedules/{track}', marketing),
  signedIn('PUT', '/v1/schedules/{track}', marketing),
  signedIn('GET', '/v1/schedules/{track}/versions', marketing),
  signedIn('POST', '/v1/schedules/{track}/preview', marketing),
  signedIn('GET', '/v1/templates', marketing),
  signedIn('GET', '/v1/templates/{name}', marketing),
  signedIn('PUT', '/v1/templates/{name}', marketing),
  signedIn('GET', '/v1/templates/{name}/versions', marketing),
  signedIn('POST', '/v1/templates/{name}/preview', marketing),
  signedIn('POST', '/v1/templates/{name}/test', marketing),
  // The criteria are agreed by both sides: sales reads and previews them, marketing publishes.
  signedIn('GET', '/v1/rules', everyone),
  signedIn('PUT', '/v1/rules', marketing),
  signedIn('GET', '/v1/rules/versions', everyone),
  signedIn('POST', '/v1/rules/preview', everyone),
  // A job's progress: the handler lets in whoever may read what started it.
  signedIn('GET', '/v1/jobs/{id}', everyone),
  signedIn('GET', '/v1/reports/funnel', everyone),
  signedIn('GET', '/v1/reports/sources', everyone),
];

export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>): string => `${route.method} ${route.path}`;
