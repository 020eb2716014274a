import { expect } from 'vitest';
import type { RunningRuntime } from './local-runtime.js';
import { contactIdFor } from './table-keys.js';

let sequence = 0;

/** An address no other test of the run uses: `label` says which test made it. */
export const uniqueEmail = (label: string, domain = 'example.com'): string =>
  `${label}-${++sequence}-${Date.now()}@${domain}`;

/** Posts a body to the public intake as a landing page does, and answers the response as it is. */
export const postContact = (runtime: RunningRuntime, body: unknown): Promise<Response> =>
  runtime.call('/v1/contacts', { method: 'POST', json: body });

/** Posts a lead as a landing page does, waits for its journey to settle, and answers its contact id. */
export const submitLead = async (
  runtime: RunningRuntime,
  fields: Record<string, unknown>,
): Promise<string> => {
  const response = await postContact(runtime, fields);
  expect(response.status).toBe(202);
  await runtime.settle();
  const contactId = await contactIdFor(runtime, String(fields.email));
  if (!contactId) throw new Error(`no contact for ${String(fields.email)}`);
  return contactId;
};
