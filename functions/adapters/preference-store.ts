import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Contact } from '../domain/contact.js';
import type { ContactEvent } from '../domain/contact-event.js';
import type { PreferenceChange } from '../domain/preferences.js';
import { consentRecordItem } from './consent-ledger.js';
import { documentClient } from './dynamodb.js';
import { eventPut } from './journey-repository.js';
import { contactKey, liveContact } from './live-contact.js';

/** The contact's own choices from its preferences page, saved with their record and event. */
export class PreferenceStore {
  constructor(private readonly tableName: string) {}

  /**
   * Saves the change, its consent record and the journey's event in one transaction, on condition
   * that each choice it changes is still what the change was decided from: a concurrent duplicate
   * finds it moved and decides again (to nothing). False then, or when the contact is gone or being
   * erased; nothing is written.
   */
  async apply(
    contact: Contact,
    change: PreferenceChange,
    event: ContactEvent,
    clientHash: string,
  ): Promise<boolean> {
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
            ...(change.record
              ? [consentRecordItem(this.tableName, contact.contactId, change.record, clientHash)]
              : []),
          ],
        }),
      );
      return true;
    } catch (error) {
      const reasons = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (reasons?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }
}
