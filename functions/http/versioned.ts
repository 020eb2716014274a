import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { header } from './request-body.js';
import { errorResponse, type HttpResult, json } from './responses.js';

/**
 * The contract every versioned resource (schedule, template, rules) shares: GET answers the
 * version as an ETag, PUT names the version it edited in If-Match (428 without, 409 when stale).
 */
export const ifMatchVersion = (
  event: APIGatewayProxyEventV2,
  resource: string,
): { ok: true; version: number } | { ok: false; response: HttpResult } => {
  const ifMatch = header(event, 'if-match');
  if (ifMatch === undefined) {
    return {
      ok: false,
      response: errorResponse(
        428,
        'precondition_required',
        `Send If-Match: <version> of the ${resource} you edited`,
        [{ path: 'If-Match', message: 'is required' }],
      ),
    };
  }
  const version = Number(ifMatch.replace(/^W\//, '').replaceAll('"', '').trim());
  if (!Number.isInteger(version) || version < 0) {
    return {
      ok: false,
      response: errorResponse(400, 'validation_failed', `If-Match must be a ${resource} version`, [
        { path: 'If-Match', message: 'must be a version number' },
      ]),
    };
  }
  return { ok: true, version };
};

export const versionConflict = (expected: number, current: number): HttpResult =>
  errorResponse(
    409,
    'version_conflict',
    `Version ${expected} is not the current one; reload and edit again`,
    [{ path: 'If-Match', message: `the current version is ${current}` }],
  );

/** A versioned resource with its version as the ETag. */
export const withVersion = (resource: unknown, version: number): HttpResult =>
  json(200, resource, { etag: `"${version}"` });
