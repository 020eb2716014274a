import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import type { ConsentLedger } from '../adapters/consent-ledger.js';
import type { ContactRepository } from '../adapters/contact-repository.js';
import type { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { hashClientAddress } from '../domain/client-address.js';
import { confirmConsent } from '../domain/consent.js';
import { maskEmail } from '../domain/email-address.js';
import { escapeHtml } from '../domain/html.js';
import { verifyConfirmToken } from '../domain/link-token.js';
import { page } from '../http/page.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { deliverContactEvent } from '../journey/lifecycle.js';

export interface ConfirmDependencies {
  contacts: ContactRepository;
  journeys: JourneyRepository;
  consents: ConsentLedger;
}

const maxAttempts = 5;

/**
 * `GET /v1/confirm?t=TOKEN` shows a page with a button and changes nothing: mail scanners fetch
 * every link in a message, and a prefetch must not subscribe anyone. `POST` confirms the request
 * the token names: marketing consent is recorded (when, and a salted hash of the confirming
 * client) and the contact's journey is woken so its first email goes now.
 */
export const confirmSubscription = async (
  event: APIGatewayProxyEventV2,
  deps: ConfirmDependencies,
): Promise<HttpResult> => {
  const wantsHtml = event.headers?.accept?.includes('text/html') ?? false;
  const token = event.queryStringParameters?.t;
  const subject = token ? verifyConfirmToken(token, await deploymentSecret()) : undefined;
  if (!token || !subject) {
    logger.info('Confirmation with an invalid token', { tokenGiven: token !== undefined });
    return wantsHtml
      ? page(400, 'Link not valid', [
          'This confirmation link is not valid. Check that it was copied in full, or sign up again.',
        ])
      : errorResponse(400, 'invalid_token', 'The confirmation link is invalid or incomplete', [
          { path: 't', message: token ? 'is not a valid confirmation token' : 'is required' },
        ]);
  }

  let contact = await deps.contacts.getContact(subject.contactId);
  if (event.requestContext.http.method === 'GET') {
    if (!contact) return page(200, 'Confirm', ['This address is no longer on our lists.']);
    // The form posts to the same path and token.
    const form =
      `<form method="post" action="?t=${escapeHtml(encodeURIComponent(token))}">` +
      '<button type="submit">Confirm my subscription</button></form>';
    return page(200, 'Confirm your subscription', [`Confirm emails to ${maskEmail(contact.email)}?`], form);
  }

  const now = clock.now();
  const clientHash = hashClientAddress(event.requestContext.http.sourceIp, await deploymentSecret());
  for (let attempt = 0; contact && attempt < maxAttempts; attempt++) {
    const confirmation = confirmConsent(contact.consent, subject.touchId, now);
    if (confirmation.outcome !== 'confirmed') {
      return answer(wantsHtml, confirmation.outcome, maskEmail(contact.email));
    }
    if (await deps.consents.apply(contact.contactId, contact.consent, confirmation.change, clientHash)) {
      await deliverContactEvent(deps.journeys, contact.contactId, 'consent_confirmed', now);
      logger.info('Subscription confirmed', { contactId: contact.contactId });
      return answer(wantsHtml, 'confirmed', maskEmail(contact.email));
    }
    contact = await deps.contacts.getContact(subject.contactId);
  }
  if (!contact) return answer(wantsHtml, 'expired', 'Your address');
  throw new Error(`Consent of ${subject.contactId} kept changing while being confirmed`);
};

const answer = (
  wantsHtml: boolean,
  outcome: 'confirmed' | 'already_confirmed' | 'expired',
  email: string,
): HttpResult => {
  if (!wantsHtml) {
    return outcome === 'expired'
      ? errorResponse(410, 'link_expired', 'This confirmation link has expired; sign up again', [
          { path: 't', message: 'names a request that is no longer waiting' },
        ])
      : json(200, { confirmed: true }, { 'cache-control': 'no-store' });
  }
  switch (outcome) {
    case 'confirmed':
      return page(200, 'Subscription confirmed', [`Thank you: ${email} will now hear from us.`]);
    case 'already_confirmed':
      return page(200, 'Already confirmed', [`${email} is already subscribed.`]);
    case 'expired':
      return page(410, 'Link expired', [
        'This confirmation link has expired or was withdrawn. Sign up again on any of our pages.',
      ]);
  }
};
