/**
 * Every key of the one table, in one place: which partition an item lives in and how its sort key
 * orders it. Apart from any client: the local runtime's backfill of an older table writes the
 * all-contacts index's keys before any handler's client exists.
 */
import type { IncomingEvent } from '../domain/incoming-event.js';
import type { Track } from '../domain/schedule.js';
import type { Touch } from '../domain/touch.js';

// A contact's partition: its profile and everything about it, swept together by an erasure.

export const contactPk = (contactId: string) => `CONTACT#${contactId}`;

/** The profile: the item whose presence says the contact exists. */
export const contactKey = (contactId: string) => ({ pk: contactPk(contactId), sk: 'PROFILE' });

/** The claim of an address: one contact per address, by its normalised form. */
export const emailKey = (emailNormalised: string) => ({ pk: `EMAIL#${emailNormalised}`, sk: 'EMAIL' });

export const touchPrefix = 'TOUCH#';
export const touchKey = (touch: Pick<Touch, 'contactId' | 'receivedAt' | 'touchId'>) => ({
  pk: contactPk(touch.contactId),
  sk: `${touchPrefix}${touch.receivedAt}#${touch.touchId}`,
});

/** Events waiting for the journey's next step, in the order they happened. */
export const eventPrefix = 'EVENT#';
export const eventKey = (contactId: string, event: Pick<IncomingEvent, 'at' | 'eventId'>) => ({
  pk: contactPk(contactId),
  sk: `${eventPrefix}${event.at}#${event.eventId}`,
});

/** A caller's own `eventId` for an admin event on the contact, claimed with the event. */
export const eventClaimKey = (contactId: string, eventId: string) => ({
  pk: contactPk(contactId),
  sk: `EVENTID#${eventId}`,
});

/** The one sales decision a stage visit takes. */
export const decisionKey = (contactId: string, decisionSlot: string) => ({
  pk: contactPk(contactId),
  sk: `DECISION#${decisionSlot}`,
});

/** Bus events saved with the step that announces them (a transactional outbox). */
export const outboxPrefix = 'OUTBOX#';
export const outboxKey = (contactId: string, event: { detail: { at: string; eventId: string } }) => ({
  pk: contactPk(contactId),
  sk: `${outboxPrefix}${event.detail.at}#${event.detail.eventId}`,
});

export const consentPrefix = 'CONSENT#';
export const consentSk = (record: { at: string; recordId: string }) =>
  `${consentPrefix}${record.at}#${record.recordId}`;

/** A day's count of changes made through the preferences link. */
export const preferenceDaySk = (at: string) => `PREFDAY#${at.slice(0, 10)}`;

// The send ledger, under the contact: one entry per email that may go out at most once.

export const ledgerPrefix = (track: Track, round: number) => `SEND#${track}#${round}#`;
/** Transactional replies to requests: outside `SEND#`, so the frequency cap never counts them. */
export const replyPrefix = 'REPLY#';
export const replyDayPrefix = 'REPLYDAY#';
/** Sales handoff emails, by the `Sales Lead Ready` event they announce: one per handoff. */
export const handoffPrefix = 'HANDOFF#';

// Indexes over contacts.

/** The by-stage index's partition (gsi1). */
export const byStagePk = (stage: string) => `STAGE#${stage}`;

/** A contact's creation month (`2026-11`): the shard of the all-contacts index. */
export const creationMonth = (createdAt: string) => createdAt.slice(0, 7);

/** The all-contacts index's keys for a contact: ordered by creation within its creation month. */
export const byCreationPk = (month: string) => `CONTACTS#${month}`;
export const byCreationKeys = (contact: { contactId: string; createdAt: string }) => ({
  gsi2pk: byCreationPk(creationMonth(contact.createdAt)),
  gsi2sk: `${contact.createdAt}#${contact.contactId}`,
});

/** The months that have contacts, one item each: the shards a listing walks. */
export const monthsPk = 'CONTACTS#MONTHS';

export const monthItem = (createdAt: string) => ({ pk: monthsPk, sk: creationMonth(createdAt) });

// Erasure: what it keeps is filed under the keyed hash of the address, never the contact.

export const erasedPk = (addressHash: string) => `ERASED#${addressHash}`;

// Counters, written in the transaction of what they count.

export const funnelStagePk = 'REPORT#FUNNEL';
export const funnelDayPk = (day: string) => `REPORT#FUNNEL#${day}`;
/** One partition per creation month: a period is read with one query per month in it. */
export const sourcesMonthPk = (month: string) => `REPORT#SOURCES#${month}`;
/** A client's submissions in one rate window. */
export const rateKey = (client: string, windowStart: string) => ({ pk: `RATE#${client}`, sk: windowStart });

// Versioned resources: one partition each, its versions and its current one.

export const rulesPk = 'RULES';
export const schedulePk = (track: Track) => `SCHEDULE#${track}`;
export const templatePk = (name: string) => `TEMPLATE#${name}`;
/** One partition listing every published template, written in the publish's own transaction. */
export const templatesIndexPk = 'TEMPLATES';
export const versionPrefix = 'VERSION#';
export const versionSk = (version: number) => `${versionPrefix}${String(version).padStart(6, '0')}`;
export const currentSk = 'CURRENT';

// Fan-out jobs: the job's record, and its marker on each contact it reached (once per contact).

export const jobKey = (jobId: string) => ({ pk: `JOB#${jobId}`, sk: 'JOB' });
export const jobMarkerKey = (contactId: string, jobId: string) => ({
  pk: contactPk(contactId),
  sk: `JOB#${jobId}`,
});

/** The deployment's secret (its item still named for its first use, the unsubscribe link's key). */
export const secretKey = { pk: 'CONFIG#SECRETS', sk: 'UNSUBSCRIBE' };
