import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { type ApiRoute, apiRoutes, type RouteTarget, routeKey } from '../lib/api-routes.js';
import { type HttpHandler, lambdaContext, toApiGatewayEvent } from './api-gateway-event.js';

/** API Gateway's own payload limit; the handlers enforce their tighter ones. */
const maxPayloadBytes = 10 * 1024 * 1024;

export interface LocalResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** A route only the local runtime has (`/_local/...`): it never reaches a Lambda handler. */
export interface LocalRoute {
  method: 'GET' | 'POST';
  path: string;
  handle(body: Buffer, url: URL): Promise<LocalResponse> | LocalResponse;
}

export interface RouterOptions {
  handlers: Partial<Record<RouteTarget, HttpHandler>>;
  adminToken: string;
  allowedOrigins: readonly string[];
  webDir: string;
  localRoutes: readonly LocalRoute[];
  now: () => Date;
}

const jsonError = (status: number, code: string, message: string): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code, message, issues: [] } }),
});

const compilePath = (path: string) => {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const pattern = new RegExp(`^${source}$`);
  return (pathname: string): Record<string, string> | undefined => {
    const match = pattern.exec(pathname);
    if (!match) return undefined;
    return Object.fromEntries(names.map((name, index) => [name, decodeURIComponent(match[index + 1] ?? '')]));
  };
};

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Plays API Gateway's part locally: matches the deployed routes, checks admin credentials the way
 * the IAM authorizer would (a bearer token here), answers CORS, and hands each request to the
 * very handler the stack deploys as an HTTP API event. Also serves the static pages.
 */
export const createRouter = (options: RouterOptions) => {
  const compiled = apiRoutes.map((route) => ({ route, match: compilePath(route.path) }));
  const expectedToken = Buffer.from(`Bearer ${options.adminToken}`);

  const isAdmin = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expectedToken.length && timingSafeEqual(given, expectedToken);
  };

  const corsHeaders = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    if (!origin || !options.allowedOrigins.includes(origin)) return {};
    return { 'access-control-allow-origin': origin, vary: 'Origin' };
  };

  const callHandler = async (
    route: ApiRoute,
    parameters: Record<string, string>,
    request: IncomingMessage,
    url: URL,
    body: Buffer,
  ): Promise<LocalResponse> => {
    const handler = options.handlers[route.target];
    if (!handler) return jsonError(501, 'not_implemented', `No handler for ${routeKey(route)} yet`);
    if (route.auth === 'admin' && !isAdmin(request)) {
      return jsonError(401, 'unauthorized', 'A valid admin token is required: Authorization: Bearer <token>');
    }
    // The bearer token stands for a member of the `admin` group.
    const claims = route.auth === 'admin' ? { sub: 'local-admin', 'cognito:groups': ['admin'] } : undefined;
    const event = toApiGatewayEvent(request, url, routeKey(route), parameters, body, options.now(), claims);
    try {
      const result = await handler(event, lambdaContext(`leadflow-${route.target}`));
      if (typeof result === 'string') return { status: 200, body: result };
      const resultBody = result.isBase64Encoded
        ? Buffer.from(result.body ?? '', 'base64')
        : (result.body ?? '');
      const headers = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      return { status: result.statusCode ?? 200, headers, body: resultBody };
    } catch (error) {
      console.error(`${routeKey(route)} failed:`, error);
      return jsonError(500, 'internal_error', 'Internal Server Error');
    }
  };

  const serveStatic = async (pathname: string): Promise<LocalResponse | undefined> => {
    const name = pathname === '/' ? '/index.html' : extname(pathname) ? pathname : `${pathname}.html`;
    const file = normalize(join(options.webDir, name));
    if (!file.startsWith(options.webDir + sep)) return undefined;
    try {
      const content = await readFile(file);
      const type = contentTypes[extname(file)] ?? 'application/octet-stream';
      return { status: 200, headers: { 'content-type': type, 'cache-control': 'no-cache' }, body: content };
    } catch {
      return undefined;
    }
  };

  const route = async (request: IncomingMessage, body: Buffer): Promise<LocalResponse> => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const allowed = corsHeaders(request);
      if (!allowed['access-control-allow-origin']) return { status: 204 };
      return {
        status: 204,
        headers: {
          ...allowed,
          'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
          'access-control-allow-headers': 'content-type,authorization,if-match',
          'access-control-max-age': '600',
        },
      };
    }

    let pathMatched = false;
    for (const { route: candidate, match } of compiled) {
      const parameters = match(url.pathname);
      if (!parameters) continue;
      pathMatched = true;
      if (candidate.method === method) return callHandler(candidate, parameters, request, url, body);
    }
    const local = options.localRoutes.find((r) => r.path === url.pathname);
    if (local) {
      if (local.method === method) return local.handle(body, url);
      pathMatched = true;
    }
    if (pathMatched)
      return jsonError(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}`);
    if (method === 'GET' || method === 'HEAD') {
      const page = await serveStatic(url.pathname);
      if (page) return page;
    }
    return jsonError(404, 'not_found', `Nothing at ${url.pathname}`);
  };

  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > maxPayloadBytes) tooLarge = true;
      else chunks.push(chunk);
    }
    const result = tooLarge
      ? jsonError(413, 'payload_too_large', 'Request body too large')
      : await route(request, Buffer.concat(chunks));
    response.writeHead(result.status, { ...corsHeaders(request), ...result.headers });
    response.end(request.method === 'HEAD' ? undefined : result.body);
  };
};
