/**
 * The HTTP API's routes: read by the CDK construct that deploys them and by the local router
 * that serves them, so both expose the same contract.
 */
export type RouteAuth = 'public' | 'admin';
/** The function behind a route: `signedLinks` answers the links in emails (confirm, unsubscribe, preferences). */
export type RouteTarget = 'intake' | 'admin' | 'templates' | 'signedLinks';

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
const signedIn = (
  method: ApiRoute['method'],
  path: string,
  allowed: readonly Role[],
  target: RouteTarget = 'admin',
): ApiRoute => ({
  method,
  path,
  target,
  auth: 'admin',
  roles: allowed,
});

export const apiRoutes: readonly ApiRoute[] = [
  open('POST', '/v1/contacts', 'intake'),
  open('GET', '/v1/unsubscribe', 'signedLinks'),
  open('POST', '/v1/unsubscribe', 'signedLinks'),
  open('GET', '/v1/confirm', 'signedLinks'),
  open('POST', '/v1/confirm', 'signedLinks'),
  open('GET', '/v1/preferences', 'signedLinks'),
  open('POST', '/v1/preferences', 'signedLinks'),
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
  signedIn('GET', '/v1/templates', marketing, 'templates'),
  signedIn('GET', '/v1/templates/{name}', marketing, 'templates'),
  signedIn('PUT', '/v1/templates/{name}', marketing, 'templates'),
  signedIn('GET', '/v1/templates/{name}/versions', marketing, 'templates'),
  signedIn('POST', '/v1/templates/{name}/preview', marketing, 'templates'),
  signedIn('POST', '/v1/templates/{name}/test', marketing, 'templates'),
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

/** The groups that may call a signed-in route: where another check (a job's readers) takes them from. */
export const rolesOf = (method: ApiRoute['method'], path: string): readonly Role[] => {
  const route = apiRoutes.find((candidate) => candidate.method === method && candidate.path === path);
  if (!route?.roles) throw new Error(`No signed-in route ${method} ${path}`);
  return route.roles;
};
