import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Listening on 127.0.0.1 keeps the network out, not the web pages the user visits: a page on a
 * name rebound to 127.0.0.1 (DNS rebinding) sends that name as its Host, and a page on any site
 * may send a "simple" cross-site POST (text/plain, no preflight) whose answer it cannot read but
 * whose effect stands. The runtime's endpoints tell both apart from their real callers here.
 */

/** Hosts a browser uses for this machine. */
const loopbackHost = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

export const isLoopbackHost = (request: IncomingMessage): boolean =>
  loopbackHost.test(request.headers.host ?? '');

/** The origins a page served by the runtime on `port` has (it listens on 127.0.0.1 only, not ::1). */
export const ownOriginsOf = (port: number): string[] => [
  `http://127.0.0.1:${port}`,
  `http://localhost:${port}`,
];

/**
 * Why an emulated AWS endpoint refuses the request, if it does. Their callers are SDK clients on
 * this machine, which address 127.0.0.1 and send neither `Origin` nor `Sec-Fetch-Site`; a browser
 * sends one or the other on every request a page makes (`Sec-Fetch-Site: none` is the user typing
 * the address). local/DynamoDbLocalOnLoopback.java applies the same rule inside DynamoDB Local.
 */
const emulatedEndpointRefusal = (request: IncomingMessage, service: string): string | undefined => {
  if (!isLoopbackHost(request)) {
    return `The local ${service} endpoint answers only requests addressed to 127.0.0.1, localhost or [::1]`;
  }
  const fetchSite = request.headers['sec-fetch-site'];
  if (request.headers.origin !== undefined || (fetchSite !== undefined && fetchSite !== 'none')) {
    return `The local ${service} endpoint answers no request a web page sends (Origin or Sec-Fetch-Site)`;
  }
  return undefined;
};

/**
 * Answers a request `emulatedEndpointRefusal` refuses with a 403 every AWS protocol reads as
 * AccessDeniedException (`__type` for the JSON protocols, the header for REST-JSON); false when
 * the request may go on.
 */
export const refusedForeignCaller = (
  request: IncomingMessage,
  response: ServerResponse,
  service: string,
): boolean => {
  const message = emulatedEndpointRefusal(request, service);
  if (message === undefined) return false;
  response.writeHead(403, {
    'content-type': 'application/json',
    'x-amzn-requestid': randomUUID(),
    'x-amzn-errortype': 'AccessDeniedException',
  });
  response.end(JSON.stringify({ __type: 'AccessDeniedException', message }));
  return true;
};

const safeMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a request that changes something came from a page of another origin. The `Origin` a
 * browser sends with every POST decides (`null` included: an opaque origin is not ours); without
 * it, `Sec-Fetch-Site`. A request with neither came from no browser page (curl, an SDK, a test).
 */
export const isCrossSiteWrite = (request: IncomingMessage, ownOrigins: readonly string[]): boolean => {
  if (safeMethods.has(request.method ?? 'GET')) return false;
  const origin = request.headers.origin;
  if (origin !== undefined) return !ownOrigins.includes(origin.toLowerCase());
  const fetchSite = request.headers['sec-fetch-site'];
  return fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none';
};
