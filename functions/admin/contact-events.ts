import { z } from 'zod';
import { adminEventTypes } from '../domain/contact-event.js';
import { type Parsed, parseWith } from '../domain/validation.js';

/** What sales and admins may tell a contact's journey: `{"type": "sales_accepted"}` and the like. */
const adminEventSchema = z.strictObject({
  type: z.enum(adminEventTypes, `must be one of ${adminEventTypes.join(', ')}`),
  /** Lets a caller retry a request without the event counting twice. */
  eventId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -')
    .optional(),
});

export type AdminEvent = z.infer<typeof adminEventSchema>;

export const parseAdminEvent = (input: unknown): Parsed<AdminEvent> => parseWith(adminEventSchema, input);
