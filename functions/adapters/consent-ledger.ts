import { randomUUID } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Consent, ConsentChange, ConsentRecord } from '../domain/consent.js';
import { documentClient, queryAll } from './dynamodb.js';
import { liveContact } from './live-contact.js';
import { consentPrefix, consentSk, contactKey, contactPk } from './table-keys.js';

/** A record as it is stored: append-only, under the contact, in the order it happened. */
export const consentRecordItem = (
  tableName: string,
  contactId: string,
  record: ConsentChange['record'],
  clientHash?: string,
) => {
  const full: ConsentRecord = {
    ...record,
    recordId: randomUUID(),
    contactId,
    ...(clientHash ? { clientHash } : {}),
  };
  return {
    Put: {
      TableName: tableName,
      Item: { pk: contactPk(contactId), sk: consentSk(full), ...full },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
};

/** The contact's consent and its records: changed together, or not at all. */
export class ConsentLedger {
  constructor(private readonly tableName: string) {}

  /**
   * Sets the contact's consent and appends the record, on condition that the consent is still
   * the one the change was decided from. False when it moved meanwhile (decide again) or the
   * contact is gone or being erased.
   */
  async apply(
    contactId: string,
    decidedFrom: Consent,
    change: Pick<ConsentChange, 'consent' | 'record'>,
    clientHash?: string,
  ): Promise<boolean> {
    const pendingCondition = decidedFrom.pending
      ? '#consent.#pending.#touchId = :pendingTouch'
      : 'attribute_not_exists(#consent.#pending)';
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.tableName,
                Key: contactKey(contactId),
                UpdateExpression: 'SET #consent = :consent',
                ConditionExpression: `#consent.#updatedAt = :updatedAt AND #consent.#marketing = :marketing AND ${pendingCondition} AND ${liveContact}`,
                ExpressionAttributeNames: {
                  '#consent': 'consent',
                  '#updatedAt': 'updatedAt',
                  '#marketing': 'marketing',
                  '#pending': 'pending',
                  ...(decidedFrom.pending ? { '#touchId': 'touchId' } : {}),
                },
                ExpressionAttributeValues: {
                  ':consent': change.consent,
                  ':updatedAt': decidedFrom.updatedAt,
                  ':marketing': decidedFrom.marketing,
                  ...(decidedFrom.pending ? { ':pendingTouch': decidedFrom.pending.touchId } : {}),
                },
              },
            },
            consentRecordItem(this.tableName, contactId, change.record, clientHash),
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (
        codes?.some(
          (reason) => reason.Code === 'ConditionalCheckFailed' || reason.Code === 'TransactionConflict',
        )
      )
        return false;
      throw error;
    }
  }

  /** Oldest first: the history an auditor reads. */
  async records(contactId: string): Promise<ConsentRecord[]> {
    const items = await queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :consent)',
      ExpressionAttributeValues: { ':pk': contactPk(contactId), ':consent': consentPrefix },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...record }) => record as unknown as ConsentRecord);
  }
}
