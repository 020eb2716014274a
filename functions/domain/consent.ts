import type { Track } from './schedule.js';
import type { Touch } from './touch.js';

/**
 * Marketing consent and the record that proves it. GDPR Art. 7 asks the company to show when and
 * how each contact agreed: every change appends a `ConsentRecord`, never rewritten.
 *
 * Double opt-in is the default: a "yes" on a form makes the consent *pending* and sends one
 * confirmation email; marketing starts when the contact's own link is confirmed. Anyone can post
 * any address, so a form's "yes" alone never starts marketing email, unless the deployment lists
 * the form as single opt-in. A "no" withdraws at once, from anyone: stopping email harms nobody.
 */
export interface Consent {
  /** Marketing email may be sent. */
  marketing: boolean;
  updatedAt: string;
  /** A form's "yes" waiting for its confirmation link: which submission asked, and when. */
  pending?: { touchId: string; at: string } | undefined;
}

/**
 * What changed: consent itself, or (from the preferences page) how much of it the contact uses: a
 * pause, or a track turned off or on again, which the company must be able to show as well.
 */
export type ConsentAction =
  | 'requested'
  | 'granted'
  | 'confirmed'
  | 'withdrawn'
  | 'paused'
  | 'resumed'
  | 'track_off'
  | 'track_on';
export type ConsentMethod =
  | 'single_opt_in'
  | 'double_opt_in'
  | 'form'
  | 'unsubscribe_link'
  | 'preferences_page';

export interface ConsentRecord {
  recordId: string;
  contactId: string;
  at: string;
  action: ConsentAction;
  method: ConsentMethod;
  /** The submission it came with, and that submission's form, page and consent wording. */
  touchId?: string;
  form?: string;
  landingPage?: string;
  wording?: string;
  /** A salted hash of the client's network address: proof of origin without keeping the address. */
  clientHash?: string;
  /** For `paused`: when marketing email may start again. */
  until?: string;
  /** For `track_off` and `track_on`: which track. */
  track?: Track;
}

/** A confirmation link older than this is refused: the contact signs up again. */
export const confirmationValidMs = 30 * 86_400_000;

export interface ConsentChange {
  consent: Consent;
  record: Omit<ConsentRecord, 'recordId' | 'contactId' | 'clientHash'>;
}

export interface ConsentDecision {
  /** What to store, with its record; absent when the consent stays as it is. */
  change?: ConsentChange;
  /** A confirmation email is due (double opt-in). */
  confirm: boolean;
}

/** Where the form that gave (or withdrew) consent was, as the record keeps it. */
const provenance = (touch: Touch, wording: string | undefined) => ({
  touchId: touch.touchId,
  ...(touch.what.form ? { form: touch.what.form } : {}),
  ...(touch.where.landingPage ? { landingPage: touch.where.landingPage } : {}),
  ...(wording ? { wording } : {}),
});

const isLive = (pending: Consent['pending'], now: number) =>
  pending !== undefined && now - Date.parse(pending.at) <= confirmationValidMs;

/**
 * What a submission's consent answer changes. A "yes" while a request is still waiting for its
 * confirmation changes nothing, but may have the email sent again: every confirmation email of a
 * waiting request carries a link to that same request, so an older email's link keeps working.
 */
export const consentFromSubmission = (
  current: Consent,
  given: boolean | undefined,
  touch: Touch,
  options: { singleOptIn: boolean; wording?: string | undefined },
): ConsentDecision => {
  const at = touch.receivedAt;
  const from = provenance(touch, options.wording);
  if (given === false) {
    if (!current.marketing && !current.pending) return { confirm: false };
    return {
      change: {
        consent: { marketing: false, updatedAt: at },
        record: { at, action: 'withdrawn', method: 'form', ...from },
      },
      confirm: false,
    };
  }
  if (given !== true || current.marketing) return { confirm: false };
  if (options.singleOptIn) {
    return {
      change: {
        consent: { marketing: true, updatedAt: at },
        record: { at, action: 'granted', method: 'single_opt_in', ...from },
      },
      confirm: false,
    };
  }
  if (isLive(current.pending, Date.parse(at))) return { confirm: true };
  return {
    change: {
      consent: { marketing: false, updatedAt: at, pending: { touchId: touch.touchId, at } },
      record: { at, action: 'requested', method: 'double_opt_in', ...from },
    },
    confirm: true,
  };
};

export type Confirmation =
  | { outcome: 'confirmed'; change: ConsentChange }
  | { outcome: 'already_confirmed' | 'expired' };

/**
 * A click on the confirmation link for the request made with `touchId`. Only the waiting request
 * confirms: a link from before a withdrawal, or one past its days, is expired.
 */
export const confirmConsent = (current: Consent, touchId: string, now: Date): Confirmation => {
  if (current.marketing) return { outcome: 'already_confirmed' };
  const pending = current.pending;
  if (pending?.touchId !== touchId || !isLive(pending, now.getTime())) return { outcome: 'expired' };
  const at = now.toISOString();
  return {
    outcome: 'confirmed',
    change: {
      consent: { marketing: true, updatedAt: at },
      record: { at, action: 'confirmed', method: 'double_opt_in', touchId },
    },
  };
};

/**
 * Forms whose "yes" counts at once, from the deployment's setting: a comma-separated list of form
 * ids, `*` for every form, empty for none (double opt-in everywhere, the default).
 */
export const singleOptInForms = (setting: string | undefined) => {
  const forms = new Set(
    (setting ?? '')
      .split(',')
      .map((form) => form.trim())
      .filter(Boolean),
  );
  return (form: string | undefined): boolean => forms.has('*') || (form !== undefined && forms.has(form));
};
