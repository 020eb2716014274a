import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { formToInput } from '../domain/submission.js';
import { errorResponse, type HttpResult } from './responses.js';

export const maxBodyBytes = 16 * 1024;

export type BodyResult = { ok: true; input: unknown } | { ok: false; response: HttpResult };

export const header = (event: APIGatewayProxyEventV2, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
};

/**
 * Turns a JSON or form-encoded body into plain input for validation, enforcing the size and
 * media-type rules before anything is parsed.
 */
export const readBody = (event: APIGatewayProxyEventV2, maxBytes = maxBodyBytes): BodyResult => {
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.byteLength > maxBytes) {
    return {
      ok: false,
      response: errorResponse(413, 'payload_too_large', `The body must be at most ${maxBytes} bytes`),
    };
  }
  const mediaType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  // A byte-order mark some tools put before a body is no part of it.
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  if (mediaType === 'application/json' || mediaType?.endsWith('+json')) {
    try {
      return { ok: true, input: JSON.parse(text) };
    } catch {
      return { ok: false, response: errorResponse(400, 'malformed_json', 'The body is not valid JSON') };
    }
  }
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { ok: true, input: formToInput(new URLSearchParams(text)) };
  }
  return {
    ok: false,
    response: errorResponse(
      415,
      'unsupported_media_type',
      'Send application/json or application/x-www-form-urlencoded',
    ),
  };
};
