import { createHash } from 'node:crypto';
import * as z from 'zod';
import { adminEventTypes } from '../domain/incoming-event.js';
import { type Parsed, parseWith } from '../domain/validation.js';

/** What sales and admins may tell a contact's journey: `{"type": "sales_accepted"}` and the like. */
const adminEventSchema = z.strictObject({
  type: z.enum(adminEventTypes, `must be one of ${adminEventTypes.join(', ')}`),
  /** Lets a caller retry a request without the event counting twice. */
  eventId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .optional(),
  /** Why, as a short code a report can group by (`no_budget`, `not_a_fit`). */
  reason: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,39}$/, 'must be a short code: lower-case letters, digits and _')
    .optional(),
  /** What the rep wants the next person to know. */
  note: z
    .string()
    .max(1000, 'must be at most 1000 characters')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .refine((note) => !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(note), 'must not contain control characters')
    .optional(),
});

export type AdminEvent = z.infer<typeof adminEventSchema>;

export const parseAdminEvent = (input: unknown): Parsed<AdminEvent> => parseWith(adminEventSchema, input);

/**
 * What a request with its own `eventId` said, and who said it: the same id again with the same
 * fingerprint is a retry; with another, a different event that must not pass for the first.
 */
export const eventFingerprint = (event: AdminEvent, callerSub: string | undefined): string =>
  createHash('sha256')
    .update(JSON.stringify([event.type, event.reason ?? null, event.note ?? null, callerSub ?? null]))
    .digest('base64url');
