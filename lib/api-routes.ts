/**
 * The HTTP API's routes: read by the CDK construct that deploys them and by the local router
 * that serves them, so both expose the same contract.
 */
export type RouteAuth = 'public' | 'admin';
export type RouteTarget = 'intake' | 'admin' | 'unsubscribe';

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API Gateway path syntax, `{name}` for a path parameter. */
  readonly path: string;
  readonly target: RouteTarget;
  readonly auth: RouteAuth;
}

export const apiRoutes: readonly ApiRoute[] = [
  { method: 'POST', path: '/v1/contacts', target: 'intake', auth: 'public' },
  { method: 'GET', path: '/v1/unsubscribe', target: 'unsubscribe', auth: 'public' },
  { method: 'POST', path: '/v1/unsubscribe', target: 'unsubscribe', auth: 'public' },
  { method: 'GET', path: '/v1/contacts/{id}', target: 'admin', auth: 'admin' },
  { method: 'POST', path: '/v1/contacts/{id}/events', target: 'admin', auth: 'admin' },
  { method: 'DELETE', path: '/v1/contacts/{id}', target: 'admin', auth: 'admin' },
  { method: 'GET', path: '/v1/schedules', target: 'admin', auth: 'admin' },
  { method: 'GET', path: '/v1/schedules/{track}', target: 'admin', auth: 'admin' },
  { method: 'PUT', path: '/v1/schedules/{track}', target: 'admin', auth: 'admin' },
  { method: 'GET', path: '/v1/schedules/{track}/versions', target: 'admin', auth: 'admin' },
  { method: 'POST', path: '/v1/schedules/{track}/preview', target: 'admin', auth: 'admin' },
  { method: 'GET', path: '/v1/templates', target: 'admin', auth: 'admin' },
  { method: 'GET', path: '/v1/reports/funnel', target: 'admin', auth: 'admin' },
];

export const routeKey = (route: Pick<ApiRoute, 'method' | 'path'>): string => `${route.method} ${route.path}`;
