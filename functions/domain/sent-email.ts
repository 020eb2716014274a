/**
 * What became of an email after SES took it, as SES event publishing reports it. A transient
 * bounce is not among them: SES retries those itself.
 */
export const mailOutcomes = ['delivered', 'opened', 'clicked', 'bounced', 'complained'] as const;
export type MailOutcome = (typeof mailOutcomes)[number];

/** A send-ledger entry as stored: a step's email or the reply to a request. */
export interface LedgerEntry {
  /** `sending` while claimed, `sent` once SES took it, `unconfirmed` for a resend never confirmed. */
  status: string;
  claimedAt: string;
  sentAt?: string;
  track?: string;
  round?: number;
  stepId?: string;
  /** For a reply: the touch (the request) it answers. */
  touchId?: string;
  template?: string;
  templateVersion?: number;
  /** When SES first reported each outcome. */
  outcomes: Partial<Record<MailOutcome, string>>;
}

/** The most telling outcome first: a complaint outweighs the click before it, a click the open. */
const byWeight: readonly MailOutcome[] = ['complained', 'bounced', 'clicked', 'opened', 'delivered'];

export interface SentEmail {
  /** A schedule's track, or `transactional` for the reply to a request. */
  track: string;
  /** The pass through the track (each recycle is a new one). */
  round?: number;
  step?: string;
  /** For a reply: the touch it answers. */
  replyTo?: string;
  template?: { name: string; version?: number };
  claimedAt: string;
  sentAt?: string;
  /** The most telling outcome SES reported, else the ledger's own state. */
  status: MailOutcome | 'sending' | 'sent' | 'unconfirmed';
  outcomes: Partial<Record<MailOutcome, string>>;
}

/** The emails a contact was sent, oldest first, each with the status SES's events give it. */
export const sentEmails = (entries: readonly LedgerEntry[]): SentEmail[] =>
  [...entries]
    .sort((a, b) => a.claimedAt.localeCompare(b.claimedAt))
    .map((entry) => {
      const outcome = byWeight.find((candidate) => entry.outcomes[candidate] !== undefined);
      const status = outcome ?? (entry.status as SentEmail['status']);
      return {
        ...(entry.touchId !== undefined
          ? { track: 'transactional', replyTo: entry.touchId }
          : { track: entry.track ?? 'unknown', round: entry.round, step: entry.stepId }),
        ...(entry.template ? { template: { name: entry.template, version: entry.templateVersion } } : {}),
        claimedAt: entry.claimedAt,
        ...(entry.sentAt ? { sentAt: entry.sentAt } : {}),
        status,
        outcomes: entry.outcomes,
      };
    });
