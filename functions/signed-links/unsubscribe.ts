import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { hashClientAddress } from '../domain/client-address.js';
import type { ConsentMethod } from '../domain/consent.js';
import type { Contact } from '../domain/contact.js';
import { maskEmail } from '../domain/email-address.js';
import { escapeHtml } from '../domain/html.js';
import { verifyUnsubscribeToken } from '../domain/link-token.js';
import { page } from '../http/page.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { deliverContactEvent } from '../journey/lifecycle.js';

export interface UnsubscribeDependencies {
  contacts: ContactRepository;
  journeys: JourneyRepository;
}

/**
 * `GET /v1/unsubscribe?t=TOKEN` shows a confirmation page and changes nothing: mail scanners
 * fetch every link in a message. `POST` unsubscribes: the RFC 8058 one-click request a mailbox
 * provider sends (body `List-Unsubscribe=One-Click`), the page's own button, or an empty body all
 * mean the same, so the body is not read.
 *
 * A valid token for a contact that no longer exists (erased) answers as unsubscribed: that
 * address gets no email from us, which is all the person asked for, and nothing is written.
 */
export const unsubscribe = async (
  event: APIGatewayProxyEventV2,
  deps: UnsubscribeDependencies,
): Promise<HttpResult> => {
  const wantsHtml = event.headers?.accept?.includes('text/html') ?? false;
  const token = event.queryStringParameters?.t;
  const contactId = token ? verifyUnsubscribeToken(token, await deploymentSecret()) : undefined;
  if (!token || !contactId) {
    logger.info('Unsubscribe with an invalid token', { tokenGiven: token !== undefined });
    const issue = token ? 'is not a valid unsubscribe token' : 'is required';
    return wantsHtml
      ? page(400, 'Link not valid', [
          'This unsubscribe link is not valid. Check that it was copied in full, or use the link at the bottom of our latest email.',
        ])
      : errorResponse(400, 'invalid_token', 'The unsubscribe link is invalid or incomplete', [
          { path: 't', message: issue },
        ]);
  }

  const contact = await deps.contacts.getContact(contactId);
  if (event.requestContext.http.method === 'GET') return confirmationPage(contact, token);
  await unsubscribeContact(deps, contactId, contact, event.requestContext.http.sourceIp, 'unsubscribe_link');
  return unsubscribedAnswer(wantsHtml, contactId, contact);
};

/**
 * Unsubscribes the contact (marketing consent withdrawn, with its record, stage `unsubscribed`)
 * and tells its journey; nothing when it is gone or unsubscribed already.
 */
export const unsubscribeContact = async (
  deps: UnsubscribeDependencies,
  contactId: string,
  contact: Contact | undefined,
  sourceIp: string,
  method: ConsentMethod,
): Promise<void> => {
  if (!contact || isUnsubscribed(contact)) return;
  // Event first: a retry after a failure in between finds the contact not yet marked and
  // delivers again, so the journey always hears of it (twice at worst, which it ignores).
  const now = clock.now();
  await deliverContactEvent(deps.journeys, contactId, 'unsubscribed', now);
  await deps.contacts.markUnreachable(contactId, 'unsubscribed', now, 'unsubscribed', {
    record: { at: now.toISOString(), action: 'withdrawn', method },
    clientHash: hashClientAddress(sourceIp, await deploymentSecret()),
  });
  logger.info('Contact unsubscribed', { contactId, method });
};

/** The answer to an unsubscribe, whoever asked for it; `contact` as it was before. */
export const unsubscribedAnswer = (
  wantsHtml: boolean,
  contactId: string,
  contact: Contact | undefined,
): HttpResult =>
  wantsHtml
    ? page(200, 'You are unsubscribed', [
        `${contact ? maskEmail(contact.email) : 'Your address'} will receive no more marketing emails from us.`,
        'Unsubscribed by mistake? Sign up again on any of our pages.',
      ])
    : json(200, { unsubscribed: true, contactId }, { 'cache-control': 'no-store' });

export const isUnsubscribed = (contact: Contact) =>
  !contact.consent.marketing && (contact.stage === 'unsubscribed' || contact.stage === 'suppressed');

const confirmationPage = (contact: Contact | undefined, token: string): HttpResult => {
  if (!contact) return page(200, 'Unsubscribe', ['This address is no longer on our lists.']);
  const email = maskEmail(contact.email);
  if (isUnsubscribed(contact)) return page(200, 'Unsubscribe', [`${email} is already unsubscribed.`]);
  // The form posts the RFC 8058 body to the same path and token (a query-only action).
  const form =
    `<form method="post" action="?t=${escapeHtml(encodeURIComponent(token))}">` +
    '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
    '<button type="submit">Unsubscribe</button></form>';
  return page(200, 'Unsubscribe', [`Unsubscribe ${email} from our marketing emails?`], form);
};
