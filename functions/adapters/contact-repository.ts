import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { stageChangedEvent } from '../domain/bus-events.js';
import type { ConsentChange } from '../domain/consent.js';
import type { Contact, RepeatChanges } from '../domain/contact.js';
import { searchedProfileFields, searchTextOf } from '../domain/contact-query.js';
import { counterDeltas, sourcesOf } from '../domain/funnel-report.js';
import type { StageChange } from '../domain/journey.js';
import { sourceEntry } from '../domain/source-report.js';
import type { Touch } from '../domain/touch.js';
import { consentRecordItem } from './consent-ledger.js';
import { registerCreationMonth } from './contact-lister.js';
import { documentClient } from './dynamodb.js';
import { counterUpdates } from './funnel-counters.js';
import { outboxPut } from './journey-repository.js';
import { liveContact } from './live-contact.js';
import { sourceCounterUpdates } from './source-counters.js';
import {
  byCreationKeys,
  byStagePk,
  contactKey,
  contactPk,
  emailKey,
  touchKey,
  touchPrefix,
} from './table-keys.js';

const maxConflictRetries = 8;

/**
 * Custom fields are null-prototype records (their names come from outside), which the DynamoDB
 * marshaller refuses; a Map is stored as the same map attribute.
 */
const storableFields = <T extends { fields?: Record<string, unknown> | undefined }>(item: T) =>
  item.fields ? { ...item, fields: new Map(Object.entries(item.fields)) } : item;

const storableTouch = (touch: Touch) => ({ ...touchKey(touch), ...storableFields(touch) });

const cancellationCodes = (error: unknown): (string | undefined)[] | undefined =>
  error instanceof TransactionCanceledException ? error.CancellationReasons?.map((r) => r.Code) : undefined;

const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** Math.min(attempt, 5)));

export class ContactRepository {
  constructor(private readonly tableName: string) {}

  /**
   * Claims the address and writes the contact with its first touch in one transaction. The
   * claim's condition is what makes "one contact per address" hold under concurrent duplicates:
   * exactly one transaction can create the claim. Returns false when the address is already taken.
   */
  async createContact(contact: Contact): Promise<boolean> {
    await registerCreationMonth(this.tableName, contact.createdAt);
    const sources = sourceEntry(contact);
    try {
      await this.transactWithRetry([
        {
          Put: {
            TableName: this.tableName,
            Item: { ...emailKey(contact.emailNormalised), contactId: contact.contactId },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: {
              ...contactKey(contact.contactId),
              ...storableFields(contact),
              firstTouch: storableFields(contact.firstTouch),
              latestTouch: storableFields(contact.latestTouch),
              gsi1pk: byStagePk(contact.stage),
              gsi1sk: contact.createdAt,
              ...byCreationKeys(contact),
              searchText: searchTextOf(contact),
              reachedMilestone: sources.reached,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        {
          Put: {
            TableName: this.tableName,
            Item: storableTouch(contact.firstTouch),
          },
        },
        ...counterUpdates(
          this.tableName,
          contact.contactId,
          counterDeltas([{ to: contact.stage }], sourcesOf(contact.firstTouch), new Date(contact.createdAt)),
        ),
        ...sourceCounterUpdates(this.tableName, contact.contactId, sources),
      ]);
      return true;
    } catch (error) {
      if (cancellationCodes(error)?.[0] === 'ConditionalCheckFailed') return false;
      throw error;
    }
  }

  /**
   * The contact that owns the address. Undefined when none does, and while the owner is being
   * erased: the claim goes with it, and the address is then free for a fresh contact.
   */
  async contactIdForEmail(emailNormalised: string): Promise<string | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: emailKey(emailNormalised), ConsistentRead: true }),
    );
    return Item && !Item.erasing ? (Item.contactId as string) : undefined;
  }

  /**
   * Records a further touch on a known contact and applies its changes, atomically: profile
   * fields are written only where the stored contact has none (`if_not_exists`), so a concurrent
   * first fill is never replaced either. Undefined when the contact is gone or being erased: the
   * touch is then not written either.
   *
   * A fill-in of a searched field (names, company) rewrites `searchText` in the same write, from the
   * contact as read: the write holds only while the searched fields still blank then are blank (they
   * only ever go from blank to filled), else it reads again.
   */
  async addTouch(touch: Touch, changes: RepeatChanges): Promise<Contact | undefined> {
    const fillsSearched = searchedProfileFields.some((field) => changes.fillIfBlank[field] !== undefined);
    for (let attempt = 0; ; attempt++) {
      const before = fillsSearched ? await this.getContact(touch.contactId) : undefined;
      if (fillsSearched && !before) return undefined;
      const names: Record<string, string> = { '#touchCount': 'touchCount' };
      const values: Record<string, unknown> = { ':one': 1 };
      const assignments = [
        ...Object.entries(changes.set).map(([attribute, value]) => ({ attribute, value, fill: false })),
        ...Object.entries(changes.fillIfBlank).map(([attribute, value]) => ({
          attribute,
          value,
          fill: true,
        })),
      ];
      const sets = assignments.map(({ attribute, value, fill }, index) => {
        names[`#a${index}`] = attribute;
        values[`:v${index}`] = attribute === 'latestTouch' ? storableFields(value as Touch) : value;
        return fill ? `#a${index} = if_not_exists(#a${index}, :v${index})` : `#a${index} = :v${index}`;
      });
      const conditions = [liveContact];
      if (before) {
        const blanks = searchedProfileFields.filter((field) => before[field] === undefined);
        const after = { ...before };
        for (const [i, field] of blanks.entries()) {
          const filled = changes.fillIfBlank[field];
          if (filled !== undefined) after[field] = filled;
          names[`#b${i}`] = field;
          conditions.push(`attribute_not_exists(#b${i})`);
        }
        sets.push('searchText = :searchText');
        values[':searchText'] = searchTextOf(after);
      }
      try {
        await this.transactWithRetry([
          { Put: { TableName: this.tableName, Item: storableTouch(touch) } },
          {
            Update: {
              TableName: this.tableName,
              Key: contactKey(touch.contactId),
              UpdateExpression: `SET ${sets.join(', ')} ADD #touchCount :one`,
              ConditionExpression: conditions.join(' AND '),
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
            },
          },
        ]);
      } catch (error) {
        if (cancellationCodes(error)?.[1] !== 'ConditionalCheckFailed') throw error;
        // Gone, or a searched field was filled meanwhile: read it again.
        if (!before) return undefined;
        if (attempt >= maxConflictRetries) throw error;
        await pause(attempt);
        continue;
      }
      return this.getContact(touch.contactId);
    }
  }

  /** Undefined once an erasure has begun: nothing may act on a contact that is going. */
  async getContact(contactId: string): Promise<Contact | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: contactKey(contactId), ConsistentRead: true }),
    );
    return Item && !Item.erasing ? stripKeys<Contact>(Item) : undefined;
  }

  /** Newest first, as an admin reading a contact's history wants it. */
  async listTouches(contactId: string, limit = 100): Promise<Touch[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :touch)',
        ExpressionAttributeValues: { ':pk': contactPk(contactId), ':touch': touchPrefix },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.map((item) => stripKeys<Touch>(item));
  }

  /**
   * Records that the contact may no longer be emailed: it unsubscribed (marketing consent is
   * withdrawn, `unsubscribedAt` set) or its address is suppressed after a hard bounce or a
   * complaint (`suppression`). The stage moves to the matching side state, with the move in the
   * stage history, unless the contact is in one already (a withdrawal appends its consent record in
   * the same write): the first one stays, as the journey
   * decides it. The write holds only if the stage is still the one read, so it never stamps a stale
   * stage over a journey step saved meanwhile. False when there is no such contact.
   */
  async markUnreachable(
    contactId: string,
    reason: 'unsubscribed' | 'suppressed',
    now: Date,
    detail: string,
    consentRecord?: { record: ConsentChange['record']; clientHash?: string },
  ): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      const contact = await this.getContact(contactId);
      if (!contact) return false;
      const at = now.toISOString();
      const from = contact.stage;
      const to = from === 'unsubscribed' || from === 'suppressed' ? from : reason;
      const sets = ['updatedAt = :at'];
      const values: Record<string, unknown> = { ':at': at, ':from': from };
      if (reason === 'unsubscribed') {
        sets.push('consent = :consent', 'unsubscribedAt = :at');
        values[':consent'] = { marketing: false, updatedAt: at };
      } else {
        sets.push('suppression = :suppression');
        values[':suppression'] = { at, reason: detail };
      }
      if (to !== from) {
        const change: StageChange = { from, to, at, reason: detail };
        sets.push(
          '#stage = :to',
          'gsi1pk = :byStage',
          'gsi1sk = :at',
          'stageHistory = list_append(if_not_exists(stageHistory, :none), :changes)',
        );
        Object.assign(values, { ':to': to, ':byStage': byStagePk(to), ':none': [], ':changes': [change] });
        // The journey's record of when the stage began moves with it: the contact page shows it.
        if (contact.journey) sets.push('journey.stageSince = :at');
      }
      const update = {
        TableName: this.tableName,
        Key: contactKey(contactId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Not once an erasure has begun: it reads the stage to take the contact out of the counts.
        // The journey's state is there (or not) as read, so its stageSince can be set.
        ConditionExpression: `#stage = :from AND ${contact.journey ? 'attribute_exists(journey)' : 'attribute_not_exists(journey)'} AND ${liveContact}`,
        ExpressionAttributeNames: { '#stage': 'stage' },
        ExpressionAttributeValues: values,
      };
      const counters =
        to === from
          ? []
          : counterUpdates(
              this.tableName,
              contactId,
              counterDeltas([{ from, to }], sourcesOf(contact.firstTouch), now),
            );
      try {
        await documentClient.send(
          new TransactWriteCommand({
            TransactItems: [
              { Update: update },
              ...counters,
              // The journey this change wakes puts it on the bus.
              ...(to === from
                ? []
                : [
                    outboxPut(
                      this.tableName,
                      contactId,
                      stageChangedEvent(contactId, { from, to, at, reason: detail }, contact.score),
                    ),
                  ]),
              ...(consentRecord
                ? [
                    consentRecordItem(
                      this.tableName,
                      contactId,
                      consentRecord.record,
                      consentRecord.clientHash,
                    ),
                  ]
                : []),
            ],
          }),
        );
        return true;
      } catch (error) {
        // The stage moved (or the contact was erased) since it was read, or a concurrent write to
        // a counter got there first: read it again.
        const codes = cancellationCodes(error);
        const retry = codes?.[0] === 'ConditionalCheckFailed' || codes?.includes('TransactionConflict');
        if (!retry || attempt >= maxConflictRetries) throw error;
        await pause(attempt);
      }
    }
  }

  /**
   * Concurrent transactions on one item are cancelled with TransactionConflict rather than
   * queued; they are safe to repeat, so back off and try again.
   */
  private async transactWithRetry(items: NonNullable<TransactWriteCommand['input']['TransactItems']>) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await documentClient.send(new TransactWriteCommand({ TransactItems: items }));
      } catch (error) {
        const conflicted = cancellationCodes(error)?.includes('TransactionConflict');
        if (!conflicted || attempt >= maxConflictRetries) throw error;
        await pause(attempt);
      }
    }
  }
}

const stripKeys = <T>(item: Record<string, unknown>): T => {
  const {
    pk: _pk,
    sk: _sk,
    gsi1pk: _g1,
    gsi1sk: _g2,
    gsi2pk: _g3,
    gsi2sk: _g4,
    searchText: _s,
    ...rest
  } = item;
  return rest as T;
};
