import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { redactedUrl } from '../functions/http/redacted-url.js';
import { type ApiRoute, apiRoutes, type RouteTarget, routeKey } from '../lib/api-routes.js';
import { webVendorFiles } from '../lib/web-vendor.js';
import { type HttpHandler, lambdaContext, toApiGatewayEvent } from './api-gateway-event.js';
import { isCrossSiteWrite, isLoopbackHost } from './loopback-only.js';

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
  handle(body: Buffer, url: URL, request: IncomingMessage): Promise<LocalResponse> | LocalResponse;
}

/** Answers one request; `body` is undefined when it was larger than API Gateway takes. */
export type Route = (request: IncomingMessage, body: Buffer | undefined) => Promise<LocalResponse>;

export interface RouterOptions {
  handlers: Partial<Record<RouteTarget, HttpHandler>>;
  adminToken: string;
  /** Verifies a bearer JWT as the JWT authorizer would; its claims, or undefined. */
  verifyJwt: (authorization: string | undefined) => Promise<Record<string, unknown> | undefined>;
  /** Origins allowed to call the public and admin routes from a browser, besides `ownOrigins`. */
  allowedOrigins: readonly string[];
  /** The origins of the pages this runtime serves: the only ones the local routes answer. */
  ownOrigins: readonly string[];
  webDir: string;
  localRoutes: readonly LocalRoute[];
  now: () => Date;
}

const jsonError = (status: number, code: string, message: string): LocalResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify({ error: { code, message, issues: [] } }),
});

/** On every answer: a browser never guesses a type other than the one given. */
const everyResponseHeaders = { 'x-content-type-options': 'nosniff' };

/**
 * On the static pages. They load their scripts and styles from files on this origin (no inline
 * code or styles, no third parties) and talk only to this origin, so `'self'` is all they need;
 * no page is meant to be framed (clickjacking on the admin page).
 */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/**
 * The admin page previews emails in a sandboxed `srcdoc` frame, which inherits the page's policy.
 * Emails are styled inline and show images from the sender's hosts, so this page alone allows
 * inline styles and https images; scripts stay `'self'`, and the page itself writes what the API
 * answers as text, never as markup.
 */
const adminPageHeaders = {
  ...pageHeaders,
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: https:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

/** A page on another name that resolves here (DNS rebinding) sends that name as its Host. */
const hostRefused = jsonError(
  403,
  'host_not_allowed',
  'Local and admin routes answer only requests addressed to 127.0.0.1, localhost or [::1]',
);
const crossSiteRefused = jsonError(
  403,
  'cross_site_refused',
  'Local routes change nothing for a page of another site: only the pages this runtime serves may',
);

/** The request target as a URL, or undefined when it is none or its path has a broken %-escape. */
const requestUrl = (request: IncomingMessage): URL | undefined => {
  try {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    // Path parameters are decoded below; a path that decodes whole decodes in every segment.
    decodeURIComponent(url.pathname);
    return url;
  } catch {
    return undefined;
  }
};

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
 * the JWT authorizer would (or the local admin token), answers CORS, and hands each request to the
 * very handler the stack deploys as an HTTP API event. Also serves the static pages.
 */
export const createRouter = (options: RouterOptions): Route => {
  const compiled = apiRoutes.map((route) => ({ route, match: compilePath(route.path) }));
  const expectedToken = Buffer.from(`Bearer ${options.adminToken}`);

  const isAdminToken = (request: IncomingMessage) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    return given.length === expectedToken.length && timingSafeEqual(given, expectedToken);
  };

  /**
   * The caller's claims, as the authorizer hands them to the handler: a signed-in user's ID
   * token, or the local admin token, which stands for a member of the `admin` group.
   */
  const claimsOf = async (request: IncomingMessage) =>
    isAdminToken(request)
      ? { sub: 'local-admin', 'cognito:groups': ['admin'] }
      : await options.verifyJwt(request.headers.authorization);

  const isLocalPath = (request: IncomingMessage) => requestUrl(request)?.pathname.startsWith('/_local/');

  /** The local routes (outbox, events, sign-in) are read by this runtime's own pages only. */
  const corsHeaders = (request: IncomingMessage): Record<string, string> => {
    const origin = request.headers.origin;
    const allowed =
      options.ownOrigins.includes(origin ?? '') ||
      (!isLocalPath(request) && options.allowedOrigins.includes(origin ?? ''));
    if (!origin || !allowed) return {};
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
    if (route.auth === 'admin' && !isLoopbackHost(request)) return hostRefused;
    const claims = route.auth === 'admin' ? await claimsOf(request) : undefined;
    if (route.auth === 'admin' && !claims) {
      return jsonError(
        401,
        'unauthorized',
        'Sign in: Authorization: Bearer <an ID token, or the local admin token>',
      );
    }
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

  const vendorFiles = new Map(webVendorFiles.map(({ urlPath, file }) => [urlPath, file]));

  const serveStatic = async (pathname: string): Promise<LocalResponse | undefined> => {
    const name = pathname === '/' ? '/index.html' : extname(pathname) ? pathname : `${pathname}.html`;
    const file = vendorFiles.get(name) ?? normalize(join(options.webDir, name));
    if (!vendorFiles.has(name) && !file.startsWith(options.webDir + sep)) return undefined;
    try {
      const content = await readFile(file);
      const type = contentTypes[extname(file)] ?? 'application/octet-stream';
      return {
        status: 200,
        headers: {
          'content-type': type,
          'cache-control': 'no-cache',
          ...(name === '/admin.html' ? adminPageHeaders : pageHeaders),
        },
        body: content,
      };
    } catch {
      return undefined;
    }
  };

  const route = async (request: IncomingMessage, body: Buffer): Promise<LocalResponse> => {
    const url = requestUrl(request);
    if (!url) return jsonError(400, 'malformed_path', 'The request path is not a valid URL path');
    if (url.pathname.startsWith('/_local/')) {
      if (!isLoopbackHost(request)) return hostRefused;
      if (isCrossSiteWrite(request, options.ownOrigins)) return crossSiteRefused;
    }
    const method = request.method ?? 'GET';
    if (method === 'OPTIONS' && request.headers['access-control-request-method']) {
      const allowed = corsHeaders(request);
      if (!allowed['access-control-allow-origin']) return { status: 204 };
      return {
        status: 204,
        headers: {
          ...allowed,
          'access-control-allow-methods': 'GET,POST,PUT,DELETE,OPTIONS',
          'access-control-allow-headers': 'content-type,authorization,if-match,prefer',
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
    const local = options.localRoutes.filter((r) => r.path === url.pathname);
    const handled = local.find((r) => r.method === method);
    if (handled) return handled.handle(body, url, request);
    if (local.length > 0) pathMatched = true;
    if (pathMatched)
      return jsonError(405, 'method_not_allowed', `${method} is not allowed on ${url.pathname}`);
    if (method === 'GET' || method === 'HEAD') {
      const page = await serveStatic(url.pathname);
      if (page) return page;
    }
    return jsonError(404, 'not_found', `Nothing at ${url.pathname}`);
  };

  return async (request, body) => {
    const result =
      body !== undefined
        ? await route(request, body)
        : jsonError(413, 'payload_too_large', 'Request body too large');
    return { ...result, headers: { ...corsHeaders(request), ...result.headers } };
  };
};

/**
 * Slow clients (slowloris) are cut off with a 408: the headers must arrive within 5 s and the whole
 * request within 10 s, ample on loopback for API Gateway's 10 MB. Node checks every second.
 * A slow answer is not limited: the timeouts end once the request is in.
 */
export const requestTimeouts = {
  headersTimeout: 5_000,
  requestTimeout: 10_000,
  connectionsCheckingInterval: 1_000,
};

/** While the runtime starts, every request is told to come back shortly instead of hanging. */
export const booting: Route = async () => {
  const answer = jsonError(503, 'starting', 'Leadflow is starting; try again in a few seconds');
  return { ...answer, headers: { ...answer.headers, 'retry-after': '2' } };
};

/** The body, or undefined past API Gateway's limit (read to its end all the same). */
const readBody = async (request: IncomingMessage): Promise<Buffer | undefined> => {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size <= maxPayloadBytes) chunks.push(chunk);
  }
  return size > maxPayloadBytes ? undefined : Buffer.concat(chunks);
};

const send = (request: IncomingMessage, response: ServerResponse, result: LocalResponse) => {
  // The client is gone, or was answered on the socket already (see answerClientError).
  if (response.headersSent || request.socket.destroyed || !request.socket.writable) return;
  response.writeHead(result.status, { ...everyResponseHeaders, ...result.headers });
  response.end(request.method === 'HEAD' ? undefined : result.body);
};

/**
 * The HTTP server's request listener around a route. Nothing a client sends ends the process: a
 * body cut short is logged and answered 400 when the client can still read; any failure on the
 * way (a route that throws, a handler's header Node refuses) becomes a 500 in the contract's shape.
 */
export const serve =
  (route: Route) =>
  async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    let body: Buffer | undefined;
    try {
      body = await readBody(request);
    } catch (error) {
      console.warn(
        `${request.method} ${redactedUrl(request.url)}: the body ended early (${(error as Error).message})`,
      );
      send(
        request,
        response,
        jsonError(400, 'incomplete_body', 'The request body ended before it was complete'),
      );
      return;
    }
    try {
      send(request, response, await route(request, body));
    } catch (error) {
      console.error(`${request.method} ${redactedUrl(request.url)} failed:`, error);
      try {
        send(request, response, jsonError(500, 'internal_error', 'Internal Server Error'));
      } catch {
        response.destroy();
      }
    }
  };

const clientErrorAnswer = (code: string | undefined): LocalResponse => {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return jsonError(408, 'request_timeout', 'The request did not arrive in full in time');
  if (code === 'HPE_HEADER_OVERFLOW')
    return jsonError(431, 'headers_too_large', 'The request headers are too large');
  return jsonError(400, 'malformed_request', 'The request was malformed or cut short');
};

/**
 * The server's `clientError` listener: what Node's HTTP layer refuses before or while a request
 * reaches a route (a request that took longer than the server's timeouts, a body cut short by a
 * half-closed connection, a malformed request line) is answered in the contract's shape, straight
 * on the socket, while the client can still read; then the connection is closed.
 */
export const answerClientError = (error: NodeJS.ErrnoException, socket: Duplex): void => {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const answer = clientErrorAnswer(error.code);
  console.warn(`Refused a request with ${answer.status}: ${error.code ?? error.message}`);
  const body = answer.body ?? '';
  const head = [
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'x-content-type-options: nosniff',
    'connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`, () => socket.destroy());
};
