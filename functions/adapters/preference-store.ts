import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../domain/contact.js';
import type { IncomingEvent } from '../domain/incoming-event.js';
import { maxPreferenceChangesPerDay, type PreferenceChange } from '../domain/preferences.js';
import { consentRecordItem } from './consent-ledger.js';
import { documentClient } from './dynamodb.js';
import { eventPut } from './journey-repository.js';
import { liveContact } from './live-contact.js';
import { contactKey, contactPk, preferenceDaySk } from './table-keys.js';

/** What saving a change came to: saved, a choice moved meanwhile (or the contact went), or the day's changes are used up. */
export type PreferenceSave = 'saved' | 'moved' | 'over_limit';

/** The contact's own choices from its preferences page, saved with their record and event. */
export class PreferenceStore {
  constructor(private readonly tableName: string) {}

  /**
   * Saves the change, its consent record and the journey's event in one transaction, on condition
   * that each choice it changes is still what the change was decided from: a concurrent duplicate
   * finds it moved and decides again (to nothing): `moved` then, or when the contact is gone or
   * being erased. Each save counts against the contact's changes of the UTC day, in the same
   * transaction: a forwarded link cannot flip a choice (writing a record and waking the journey
   * each time) without end. Nothing is written unless it answers `saved`.
   */
  async apply(
    contact: Contact,
    change: PreferenceChange,
    event: IncomingEvent,
    clientHash: string,
  ): Promise<PreferenceSave> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':at': event.at };
    const sets = ['updatedAt = :at'];
    const removes: string[] = [];
    const conditions = [liveContact];
    for (const [index, [attribute, value]] of Object.entries(change.update).entries()) {
      const name = `#c${index}`;
      names[name] = attribute;
      if (value === null) removes.push(name);
      else {
        sets.push(`${name} = :c${index}`);
        values[`:c${index}`] = value;
      }
      const was = contact[attribute as keyof PreferenceChange['update']];
      if (was === undefined) conditions.push(`attribute_not_exists(${name})`);
      else {
        conditions.push(`${name} = :was${index}`);
        values[`:was${index}`] = was;
      }
    }
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: contactKey(contact.contactId),
                UpdateExpression: `SET ${sets.join(', ')}${removes.length > 0 ? ` REMOVE ${removes.join(', ')}` : ''}`,
                ConditionExpression: conditions.join(' AND '),
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            eventPut(this.tableName, contact.contactId, event),
            {
              Update: {
                TableName: this.tableName,
                Key: { pk: contactPk(contact.contactId), sk: preferenceDaySk(event.at) },
                UpdateExpression: 'ADD changes :one SET expiresAt = :expires',
                ConditionExpression: 'attribute_not_exists(changes) OR changes < :cap',
                ExpressionAttributeValues: {
                  ':one': 1,
                  ':cap': maxPreferenceChangesPerDay,
                  // Kept a day past its own, then gone.
                  ':expires': Math.ceil(Date.parse(event.at) / 1000) + 2 * 86_400,
                },
              },
            },
            ...(change.record
              ? [consentRecordItem(this.tableName, contact.contactId, change.record, clientHash)]
              : []),
          ],
        }),
      );
      return 'saved';
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      const failed = (index: number) => reasons?.[index]?.Code === 'ConditionalCheckFailed';
      if (failed(0) || failed(1)) return 'moved';
      if (failed(2)) return 'over_limit';
      throw error;
    }
  }
}
