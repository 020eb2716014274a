import { createHash } from 'node:crypto';
import type { Contact } from './contact.js';
import { handoffReason } from './handoff.js';
import { salesTimeoutReason } from './journey.js';
import type { Stage } from './stages.js';

/**
 * What Leadflow tells the company's other systems, as EventBridge events on its bus (docs/events.md
 * is the contract). Every detail carries `schemaVersion`, bumped only for a change a consumer
 * must act on, and `eventId`, derived from what the event is about rather than drawn at random:
 * EventBridge delivers at least once and has no dedupe, and a step that re-puts an event after a
 * crash puts the very same id, so a consumer dedupes on it.
 *
 * Data minimisation: events carry ids, stages, scores and the company, never a person's name or
 * address. Rules, targets and archives copy events to places an erasure cannot reach; whoever
 * needs the person follows `contactUrl` into the admin page, behind its sign-in.
 */
export const eventSource = 'leadflow.contact';
export const schemaVersion = 1;

export const detailTypes = {
  stageChanged: 'Contact Stage Changed',
  salesLeadReady: 'Sales Lead Ready',
  salesAnswerOverdue: 'Sales Answer Overdue',
  erased: 'Contact Erased',
} as const;
export type DetailType = (typeof detailTypes)[keyof typeof detailTypes];

interface DetailBase {
  schemaVersion: typeof schemaVersion;
  eventId: string;
  contactId: string;
  at: string;
}

export interface StageChangedDetail extends DetailBase {
  /** Null when the contact is new: the stage it was created at. */
  from: Stage | null;
  to: Stage;
  reason: string;
  score: number;
}

export interface SalesLeadReadyDetail extends DetailBase {
  score: number;
  reason: string;
  /** The admin page's view of the contact: name, address and touches, for those who may sign in. */
  contactUrl: string;
  company: string | null;
  buyingStage: string | null;
  /** Where, what and why of the contact's latest touch. */
  latestTouch: { channel: string; what: string; offerType: string | null; receivedAt: string };
}

/** A sales lead nobody accepted or rejected within the agreed days: recycled for want of an answer. */
export interface SalesAnswerOverdueDetail extends DetailBase {
  score: number;
  contactUrl: string;
  company: string | null;
}

export type ErasedDetail = DetailBase;

export type BusEvent =
  | { detailType: typeof detailTypes.stageChanged; detail: StageChangedDetail }
  | { detailType: typeof detailTypes.salesLeadReady; detail: SalesLeadReadyDetail }
  | { detailType: typeof detailTypes.salesAnswerOverdue; detail: SalesAnswerOverdueDetail }
  | { detailType: typeof detailTypes.erased; detail: ErasedDetail };

/** A UUID-shaped id that is the same every time for the same event. */
const stableId = (...parts: string[]): string => {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
};

/**
 * The admin page's view of a contact (`<admin page>#contact/<id>`): a rep who follows it from Slack
 * or a CRM signs in and lands on the contact; the page keeps the address through sign-in.
 */
export const contactPageLink = (adminPageUrl: string, contactId: string): string =>
  `${adminPageUrl}#contact/${encodeURIComponent(contactId)}`;

/** A stage change as announced: `from` is null for the stage a new contact entered at. */
export interface AnnouncedChange {
  from: Stage | null;
  to: Stage;
  at: string;
  reason: string;
}

/**
 * The stage a contact was created at, announced by its journey's first step (a journey that has
 * saved a step has `journey`): intake creates contacts, and one that says it is ready to talk
 * enters at `sales_lead`, handed to sales without any later move.
 */
export const entryChanges = (
  contact: Pick<Contact, 'journey' | 'stage' | 'createdAt' | 'stageHistory'>,
): AnnouncedChange[] =>
  contact.journey
    ? []
    : [
        {
          from: null,
          to: contact.stage,
          at: contact.createdAt,
          // A contact created a sales lead has the handoff's reason in its history (one created
          // before that was kept could only have said it was ready to talk).
          reason:
            contact.stage === 'sales_lead'
              ? (contact.stageHistory?.[0]?.reason ?? handoffReason({ kind: 'asked_to_talk' }))
              : 'new contact',
        },
      ];

const changeKey = (contactId: string, change: AnnouncedChange) => [
  contactId,
  change.at,
  change.from ?? '',
  change.to,
];

export const stageChangedEvent = (contactId: string, change: AnnouncedChange, score: number): BusEvent => ({
  detailType: detailTypes.stageChanged,
  detail: {
    schemaVersion,
    eventId: stableId(detailTypes.stageChanged, ...changeKey(contactId, change)),
    contactId,
    at: change.at,
    from: change.from,
    to: change.to,
    reason: change.reason,
    score,
  },
});

/**
 * The events of the stage changes one journey step saved: a `Contact Stage Changed` for each,
 * a `Sales Lead Ready` for a move into `sales_lead` (the handoff), and a `Sales Answer Overdue`
 * for a sales lead recycled because nobody answered in time.
 */
export const stageChangeEvents = (
  contact: Pick<Contact, 'contactId' | 'company' | 'latestTouch' | 'buyingStage'>,
  changes: readonly AnnouncedChange[],
  score: number,
  adminPageUrl: string,
): BusEvent[] =>
  changes.flatMap((change): BusEvent[] => {
    const { contactId } = contact;
    const changed = stageChangedEvent(contactId, change, score);
    if (change.reason === salesTimeoutReason) {
      return [
        changed,
        {
          detailType: detailTypes.salesAnswerOverdue,
          detail: {
            schemaVersion,
            eventId: stableId(detailTypes.salesAnswerOverdue, ...changeKey(contactId, change)),
            contactId,
            at: change.at,
            score,
            contactUrl: contactPageLink(adminPageUrl, contactId),
            company: contact.company ?? null,
          },
        },
      ];
    }
    if (change.to !== 'sales_lead') return [changed];
    const touch = contact.latestTouch;
    return [
      changed,
      {
        detailType: detailTypes.salesLeadReady,
        detail: {
          schemaVersion,
          eventId: stableId(detailTypes.salesLeadReady, ...changeKey(contactId, change)),
          contactId,
          at: change.at,
          score,
          reason: change.reason,
          contactUrl: contactPageLink(adminPageUrl, contactId),
          company: contact.company ?? null,
          buyingStage: contact.buyingStage ?? null,
          latestTouch: {
            channel: touch.where.channel,
            what: touch.what.kind,
            offerType: touch.why.offer?.type ?? null,
            receivedAt: touch.receivedAt,
          },
        },
      },
    ];
  });

/** The one `Contact Erased` of a contact: its id is the contact's, since a contact is erased once. */
export const erasedEvent = (contactId: string, at: Date): BusEvent => ({
  detailType: detailTypes.erased,
  detail: {
    schemaVersion,
    eventId: stableId(detailTypes.erased, contactId),
    contactId,
    at: at.toISOString(),
  },
});
