import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { type ContactLister, cursorKeyNames } from '../adapters/contact-lister.js';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { Contact } from '../domain/contact.js';
import { decodeCursor, encodeCursor, parseContactQuery } from '../domain/contact-query.js';
import { normaliseEmail } from '../domain/email-address.js';
import { lastHandoffReason } from '../domain/handoff.js';
import { salesAnswerDueAt } from '../domain/journey.js';
import type { QualificationRules } from '../domain/qualification.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';

/**
 * What a list shows of a contact, and for a sales lead when the sales SLA runs out (the sales
 * queue shows the time left) and why it was handed over; `GET /v1/contacts/{id}` has the rest.
 */
const listItem = (contact: Contact, rules: QualificationRules) => ({
  contactId: contact.contactId,
  email: contact.email,
  firstName: contact.firstName,
  lastName: contact.lastName,
  company: contact.company,
  stage: contact.stage,
  score: contact.score,
  channel: contact.firstTouch.where.channel,
  createdAt: contact.createdAt,
  salesAnswerDueAt: salesAnswerDueAt(contact, rules),
  /** Why it went to sales ("asked to talk to sales", "requested a demo", "reached a score of 72 …"). */
  handoffReason: lastHandoffReason(contact.stageHistory),
});

const invalid = (issues: { path: string; message: string }[]) =>
  errorResponse(400, 'validation_failed', 'The query has invalid parameters', issues);

/**
 * `GET /v1/contacts`: with `?email=`, the contact an address belongs to, found the way the intake
 * dedupes (case, Unicode composition and the domain's spelling do not matter); the public intake
 * answers the same for every address, so this is where an admin learns who is on the lists.
 * Otherwise a page of contacts, filtered by `stage`, `q`, `channel` and the created period, newest
 * first (or `sort=oldest`), with an opaque cursor to the next page (`functions/domain/contact-query.ts`).
 */
export const contactListRoutes = (
  contacts: ContactRepository,
  lister: ContactLister,
  /** The qualification rules in force: they set the sales SLA. */
  rulesInForce: () => Promise<QualificationRules>,
) => ({
  'GET /v1/contacts': async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const query = parseContactQuery(event.queryStringParameters);
    if (!query.ok) return invalid(query.issues);
    const rules = await rulesInForce();
    if (query.value.kind === 'email') {
      const contactId = await contacts.contactIdForEmail(normaliseEmail(query.value.email));
      const contact = contactId ? await contacts.getContact(contactId) : undefined;
      return json(200, {
        items: contact ? [listItem(contact, rules)] : [],
        nextCursor: null,
        asOf: clock.now().toISOString(),
      });
    }
    const { filter, limit, cursor } = query.value;
    const from = cursor ? decodeCursor(cursor, filter, cursorKeyNames(filter)) : undefined;
    if (from && !from.ok) return invalid(from.issues);
    const page = await lister.list(filter, limit, from?.value);
    return json(200, {
      items: page.items.map((item) => listItem(item as unknown as Contact, rules)),
      nextCursor: page.next ? encodeCursor(filter, page.next) : null,
      // The API's time, which deadlines such as `salesAnswerDueAt` are counted against.
      asOf: clock.now().toISOString(),
    });
  },
});
