import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { Contact } from '../domain/contact.js';
import { normaliseEmail } from '../domain/email-address.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';

/** What a list shows of a contact; `GET /v1/contacts/{id}` has the rest. */
const listItem = (contact: Contact) => ({
  contactId: contact.contactId,
  email: contact.email,
  firstName: contact.firstName,
  lastName: contact.lastName,
  company: contact.company,
  stage: contact.stage,
  score: contact.score,
  createdAt: contact.createdAt,
});

/**
 * `GET /v1/contacts?email=`: the contact an address belongs to, found the way the intake dedupes
 * (case, Unicode composition and the domain's spelling do not matter). The public intake answers
 * the same for every address, so this is where an admin learns who is on the lists.
 */
export const contactListRoutes = (contacts: ContactRepository) => ({
  'GET /v1/contacts': async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
    const email = event.queryStringParameters?.email?.trim();
    if (!email) {
      return errorResponse(400, 'validation_failed', 'Give the address to look up', [
        { path: 'email', message: 'is required' },
      ]);
    }
    const contactId = await contacts.contactIdForEmail(normaliseEmail(email));
    const contact = contactId ? await contacts.getContact(contactId) : undefined;
    return json(200, { items: contact ? [listItem(contact)] : [], nextCursor: null });
  },
});
