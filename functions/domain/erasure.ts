import { createHmac } from 'node:crypto';
import type { ConsentRecord } from './consent.js';
import { namesPerson, reportLabel } from './labels.js';

/**
 * What an erasure keeps (GDPR Art. 17(3)(b) and (e): proof needed to meet a legal obligation or
 * to defend a claim, such as "you emailed me without my consent"): when the erasure happened, and
 * the contact's consent records — what was agreed or withdrawn, when, how, on which form and page,
 * with which wording. None of it names the person: it is filed under a keyed hash of the address,
 * which only someone holding the deployment's secret can match against an address they already
 * know, and holds no name, no contact id and no address. Nothing reads it to refuse a sign-up: a
 * person who signs up again themselves is a new contact. It expires when claims are time-barred.
 */
export const erasureRetentionMs = 3 * 365 * 86_400_000;

/** The address as erasure records are filed: an HMAC under the deployment's secret. */
export const hashErasedAddress = (emailNormalised: string, secret: string | Uint8Array): string =>
  createHmac('sha256', secret)
    .update('leadflow/erased-address/v1:')
    .update(emailNormalised)
    .digest('base64url');

/** A consent record as erasure keeps it. */
export type KeptConsentRecord = Omit<ConsentRecord, 'contactId' | 'touchId'>;

/**
 * Drops what points back at the erased contact (its id, the submission's touch), the landing
 * page's query and fragment, where pages and ad tools put addresses and click ids, and a form id
 * or page path that names the person (a follow-up link built from the address).
 */
export const keptConsentRecord = ({
  contactId: _contactId,
  touchId: _touchId,
  landingPage,
  form,
  ...rest
}: ConsentRecord): KeptConsentRecord => ({
  ...rest,
  ...(form ? { form: reportLabel(form) } : {}),
  ...(landingPage ? { landingPage: withoutPersonalParts(landingPage) } : {}),
});

const withoutPersonalParts = (page: string): string => {
  const cut = page.search(/[?#]/);
  const path = cut === -1 ? page : page.slice(0, cut);
  if (!namesPerson(path)) return path;
  return URL.canParse(path) ? new URL(path).origin : 'other';
};

/** The epoch second (the table's TTL attribute) at which a record kept from `erasedAt` expires. */
export const keptUntil = (erasedAt: Date): number =>
  Math.floor((erasedAt.getTime() + erasureRetentionMs) / 1000);
