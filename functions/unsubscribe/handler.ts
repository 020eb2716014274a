import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { logger } from '../adapters/logger.js';
import { unsubscribeSecret } from '../adapters/secrets.js';
import { requireEnv } from '../config/env.js';
import type { Contact } from '../domain/contact.js';
import { maskEmail } from '../domain/email-address.js';
import { escapeHtml } from '../domain/html.js';
import { verifyUnsubscribeToken } from '../domain/unsubscribe-token.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { deliverContactEvent } from '../journey/deliver-event.js';

const tableName = requireEnv('TABLE_NAME');
const contacts = new ContactRepository(tableName);
const journeys = new JourneyRepository(tableName);

/**
 * `GET /v1/unsubscribe?t=TOKEN` shows a confirmation page and changes nothing: mail scanners
 * fetch every link in a message. `POST` unsubscribes: the RFC 8058 one-click request a mailbox
 * provider sends (body `List-Unsubscribe=One-Click`), the page's own button, or an empty body all
 * mean the same, so the body is not read.
 *
 * A valid token for a contact that no longer exists (erased) answers as unsubscribed: that
 * address gets no email from us, which is all the person asked for, and nothing is written.
 */
export const handler = async (event: APIGatewayProxyEventV2): Promise<HttpResult> => {
  if (!event.routeKey.endsWith(' /v1/unsubscribe')) return errorResponse(404, 'not_found', 'Not here yet');
  const wantsHtml = event.headers?.accept?.includes('text/html') ?? false;
  const token = event.queryStringParameters?.t;
  const contactId = token ? verifyUnsubscribeToken(token, await unsubscribeSecret()) : undefined;
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

  const contact = await contacts.getContact(contactId);
  if (event.requestContext.http.method === 'GET') return confirmationPage(contact, token);

  if (contact && !isUnsubscribed(contact)) {
    // Event first: a retry after a failure in between finds the contact not yet marked and
    // delivers again, so the journey always hears of it (twice at worst, which it ignores).
    const now = clock.now();
    await deliverContactEvent(journeys, contactId, 'unsubscribed', now);
    await contacts.markUnreachable(contactId, 'unsubscribed', now, 'unsubscribed');
    logger.info('Contact unsubscribed', { contactId });
  }
  return wantsHtml
    ? page(200, 'You are unsubscribed', [
        `${contact ? maskEmail(contact.email) : 'Your address'} will receive no more marketing emails from us.`,
        'Unsubscribed by mistake? Sign up again on any of our pages.',
      ])
    : json(200, { unsubscribed: true, contactId }, { 'cache-control': 'no-store' });
};

const isUnsubscribed = (contact: Contact) =>
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

const page = (statusCode: number, title: string, paragraphs: string[], extra = ''): HttpResult => ({
  statusCode,
  headers: {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    // The token is in the URL: keep it out of Referer headers, crawlers' indexes and frames.
    'referrer-policy': 'no-referrer',
    'x-robots-tag': 'noindex',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'content-security-policy':
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  },
  body: `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2933;line-height:1.5}button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${paragraphs.map((text) => `<p>${escapeHtml(text)}</p>`).join('\n')}
${extra}
</body>
</html>
`,
});
