import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The tokens in the links our emails carry: `<payload, base64url>.<HMAC-SHA256, base64url>`. They
 * prove a link came from one of our emails, so nobody can act on an address they guessed.
 *
 * An unsubscribe token names the contact and never expires: CAN-SPAM and RFC 8058 expect an
 * unsubscribe link to work for as long as the email sits in an inbox, and a stale token can do no
 * more than unsubscribe its own recipient. A confirmation token names the contact and the request
 * it confirms; the request itself expires (see `confirmConsent`). A preferences token names the
 * contact and when it was issued, and expires (`preferencesLinkValidMs`): it can do more than
 * unsubscribe (hand the contact to sales, say), so a forwarded email's link should not act forever.
 */
export type LinkSecret = string | Uint8Array;

/** Binds each MAC to one purpose, so a token made for one link never works for another. */
const purposes = {
  unsubscribe: 'leadflow/unsubscribe/v1:',
  confirm: 'leadflow/confirm/v1:',
  preferences: 'leadflow/preferences/v1:',
} as const;
export type LinkPurpose = keyof typeof purposes;

const mac = (purpose: LinkPurpose, encoded: string, secret: LinkSecret) =>
  createHmac('sha256', secret).update(purposes[purpose]).update(encoded).digest('base64url');

export const signLinkToken = (purpose: LinkPurpose, payload: string, secret: LinkSecret): string => {
  if (!payload) throw new Error(`A ${purpose} token needs a payload`);
  const encoded = Buffer.from(payload, 'utf8').toString('base64url');
  return `${encoded}.${mac(purpose, encoded, secret)}`;
};

/** The payload the token was issued with, or undefined when it is malformed, altered or forged. */
export const verifyLinkToken = (
  purpose: LinkPurpose,
  token: string,
  secret: LinkSecret,
): string | undefined => {
  const [encoded, signature, extra] = token.split('.');
  if (!encoded || !signature || extra !== undefined) return undefined;
  // Re-encoding and comparing the whole text makes every character count: base64 decoding alone
  // ignores the spare bits of the last character, so two spellings would decode alike.
  const payload = Buffer.from(encoded, 'base64url').toString('utf8');
  if (!payload || Buffer.from(payload, 'utf8').toString('base64url') !== encoded) return undefined;
  const expected = Buffer.from(mac(purpose, encoded, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : undefined;
};

export const signUnsubscribeToken = (contactId: string, secret: LinkSecret): string =>
  signLinkToken('unsubscribe', contactId, secret);

export const verifyUnsubscribeToken = (token: string, secret: LinkSecret): string | undefined =>
  verifyLinkToken('unsubscribe', token, secret);

/** Which request a confirmation link confirms. */
export interface ConfirmationSubject {
  contactId: string;
  touchId: string;
}

export const signConfirmToken = (subject: ConfirmationSubject, secret: LinkSecret): string =>
  signLinkToken('confirm', `${subject.contactId} ${subject.touchId}`, secret);

export const verifyConfirmToken = (token: string, secret: LinkSecret): ConfirmationSubject | undefined => {
  const [contactId, touchId, extra] = verifyLinkToken('confirm', token, secret)?.split(' ') ?? [];
  return contactId && touchId && extra === undefined ? { contactId, touchId } : undefined;
};

/**
 * A year: longer than any pause a contact can choose (90 days) plus the gap between two emails, so
 * the link in the latest email still works when a paused contact comes back to resume.
 */
export const preferencesLinkValidMs = 365 * 86_400_000;

export const signPreferencesToken = (contactId: string, issuedAt: Date, secret: LinkSecret): string =>
  signLinkToken('preferences', `${contactId} ${issuedAt.getTime().toString(36)}`, secret);

/** Whose preferences a link opens; `expired` for a genuine link past its time. */
export type PreferencesSubject = { contactId: string; expired: boolean };

export const verifyPreferencesToken = (
  token: string,
  secret: LinkSecret,
  now: Date,
): PreferencesSubject | undefined => {
  const [contactId, issued, extra] = verifyLinkToken('preferences', token, secret)?.split(' ') ?? [];
  const issuedAt = issued ? Number.parseInt(issued, 36) : Number.NaN;
  if (!contactId || Number.isNaN(issuedAt) || extra !== undefined) return undefined;
  return { contactId, expired: now.getTime() - issuedAt > preferencesLinkValidMs };
};

/** The link put in an email: the endpoint with the token as `t`. */
export const linkWithToken = (endpoint: string, token: string): string => {
  const url = new URL(endpoint);
  url.searchParams.set('t', token);
  return url.href;
};
