import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The token in an email's unsubscribe link: `<contactId, base64url>.<HMAC-SHA256, base64url>`.
 * It proves the link came from one of our emails, so nobody can unsubscribe an address they
 * guessed. It never expires: CAN-SPAM and RFC 8058 expect an unsubscribe link to work for as long
 * as the email sits in an inbox, and a stale token can do no more than unsubscribe its own
 * recipient.
 */
export type UnsubscribeSecret = string | Uint8Array;

/** Binds the MAC to this purpose, so a MAC computed with the same secret for anything else never verifies. */
const purpose = 'leadflow/unsubscribe/v1:';

const mac = (encodedContactId: string, secret: UnsubscribeSecret) =>
  createHmac('sha256', secret).update(purpose).update(encodedContactId).digest('base64url');

export const signUnsubscribeToken = (contactId: string, secret: UnsubscribeSecret): string => {
  if (!contactId) throw new Error('An unsubscribe token needs a contact id');
  const encoded = Buffer.from(contactId, 'utf8').toString('base64url');
  return `${encoded}.${mac(encoded, secret)}`;
};

/** The contact the token was issued for, or undefined when it is malformed, altered or forged. */
export const verifyUnsubscribeToken = (token: string, secret: UnsubscribeSecret): string | undefined => {
  const [encoded, signature, extra] = token.split('.');
  if (!encoded || !signature || extra !== undefined) return undefined;
  // Re-encoding and comparing the whole text makes every character count: base64 decoding alone
  // ignores the spare bits of the last character, so two spellings would decode alike.
  const contactId = Buffer.from(encoded, 'base64url').toString('utf8');
  if (!contactId || Buffer.from(contactId, 'utf8').toString('base64url') !== encoded) return undefined;
  const expected = Buffer.from(mac(encoded, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? contactId : undefined;
};

/** The link put in an email: the unsubscribe endpoint with the token as `t`. */
export const unsubscribeLink = (endpoint: string, token: string): string => {
  const url = new URL(endpoint);
  url.searchParams.set('t', token);
  return url.href;
};
