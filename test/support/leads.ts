import { expect } from 'vitest';
import type { RunningRuntime } from './local-runtime.js';
import { contactIdFor } from './table-keys.js';

/** Posts a lead as a landing page does, waits for its journey to settle, and answers its contact id. */
export const submitLead = async (
  runtime: RunningRuntime,
  fields: Record<string, unknown>,
): Promise<string> => {
  const response = await runtime.call('/v1/contacts', { method: 'POST', json: fields });
  expect(response.status).toBe(202);
  await runtime.settle();
  const contactId = await contactIdFor(runtime, String(fields.email));
  if (!contactId) throw new Error(`no contact for ${String(fields.email)}`);
  return contactId;
};
