import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { fullJitterMs } from '../domain/backoff.js';
import type { ConsentRecord } from '../domain/consent.js';
import { hashErasedAddress, keptConsentRecord, keptUntil } from '../domain/erasure.js';
import { counterDeltas, sourcesOf } from '../domain/funnel-report.js';
import type { Stage } from '../domain/stages.js';
import type { Touch } from '../domain/touch.js';
import { documentClient, queryAll } from './dynamodb.js';
import { counterUpdates } from './funnel-counters.js';
import { consentPrefix, consentSk, contactKey, contactPk, emailKey, erasedPk } from './table-keys.js';

/** DynamoDB's BatchWriteItem limit. */
const batchSize = 25;
const maxConflictRetries = 8;

export interface Erased {
  /** The journey's waiting task at the time: woken so the journey sees the contact gone and ends. */
  taskToken?: string;
}

type WriteRequest =
  | { PutRequest: { Item: Record<string, unknown> } }
  | { DeleteRequest: { Key: Record<string, unknown> } };

const pause = (attempt: number) =>
  new Promise((wait) => setTimeout(wait, fullJitterMs(attempt, { baseMs: 20, capMs: 2000 })));

/** Writes every request, sending back what DynamoDB left unprocessed (under throttling) until none is left. */
const batchWrite = async (tableName: string, requests: WriteRequest[]) => {
  for (let i = 0; i < requests.length; i += batchSize) {
    let batch = requests.slice(i, i + batchSize);
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt > 0) await pause(attempt);
      const { UnprocessedItems } = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: batch } }),
      );
      batch = (UnprocessedItems?.[tableName] ?? []) as WriteRequest[];
    }
  }
};

/**
 * Erases a contact (a data-subject request), serialised with intakes of its address on the
 * address claim:
 * 1. the claim is marked `erasing` (if it is this contact's): intakes of the address wait;
 * 2. the profile is marked `erasing`: from here every write under the contact fails
 *    (`live-contact.ts`) and every read treats it as gone;
 * 3. every item under the contact is deleted, its consent records first copied, anonymised,
 *    under a keyed hash of the address (`domain/erasure.ts` says why and what);
 * 4. the profile and the claim go last, in one transaction with the record of the erasure and
 *    the contact's exit from the stage counts; the address is free for a fresh contact.
 * Each step may be repeated, so asking again finishes an erasure that died midway. Undefined when
 * there is no such contact.
 */
export const eraseContact = async (
  tableName: string,
  contactId: string,
  now: Date,
  secret: Uint8Array,
  /** The admin who asked: the erasure record says who erased, never whom. */
  erasedBy?: { sub: string; email?: string },
): Promise<Erased | undefined> => {
  const { Item: found } = await documentClient.send(
    new GetCommand({
      TableName: tableName,
      Key: contactKey(contactId),
      ProjectionExpression: 'emailNormalised',
      ConsistentRead: true,
    }),
  );
  if (!found) return undefined;
  const emailNormalised = String(found.emailNormalised);
  const claimed = await markClaim(tableName, emailNormalised, contactId);
  const profile = await markProfile(tableName, contactId, now);
  // Finished by a concurrent erasure of the same contact meanwhile.
  if (!profile) return {};

  const addressHash = hashErasedAddress(emailNormalised, secret);
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': contactPk(contactId) },
    ConsistentRead: true,
  });
  const rest = items.filter((item) => item.sk !== 'PROFILE');
  // Copied before any is deleted, so an erasure that dies midway never loses the proof. The copy's
  // key is the record's own id: copying it again overwrites it with the same.
  await batchWrite(
    tableName,
    rest
      .filter((item) => String(item.sk).startsWith(consentPrefix))
      .map(({ pk: _pk, sk: _sk, ...record }) => {
        const kept = keptConsentRecord(record as unknown as ConsentRecord);
        return {
          PutRequest: {
            Item: {
              pk: erasedPk(addressHash),
              sk: consentSk(kept),
              ...kept,
              expiresAt: keptUntil(now),
            },
          },
        };
      }),
  );
  await batchWrite(
    tableName,
    rest.map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } })),
  );

  const claim = claimed ? emailNormalised : undefined;
  if (!(await removeProfileAndClaim(tableName, contactId, profile, claim, addressHash, now, erasedBy)))
    return {};
  return typeof profile.taskToken === 'string' ? { taskToken: profile.taskToken } : {};
};

/** False when the claim is not this contact's (a newer contact's, or none): it is not ours to free. */
const markClaim = async (tableName: string, emailNormalised: string, contactId: string) => {
  try {
    await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: emailKey(emailNormalised),
        UpdateExpression: 'SET erasing = :contactId',
        ConditionExpression: 'contactId = :contactId',
        ExpressionAttributeValues: { ':contactId': contactId },
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};

/**
 * The profile as it stands once marked: no step may move its stage any more, so the counts it
 * leaves are the ones it is in. Undefined when it is already gone.
 */
const markProfile = async (tableName: string, contactId: string, now: Date) => {
  try {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: tableName,
        Key: contactKey(contactId),
        UpdateExpression: 'SET erasing = if_not_exists(erasing, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':now': now.toISOString() },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
};

/** False when a concurrent erasure of the same contact got there first. */
const removeProfileAndClaim = async (
  tableName: string,
  contactId: string,
  profile: Record<string, unknown>,
  claimedEmail: string | undefined,
  addressHash: string,
  now: Date,
  erasedBy: { sub: string; email?: string } | undefined,
) => {
  const erasureRecord = {
    pk: erasedPk(addressHash),
    sk: `ERASURE#${now.toISOString()}#${randomUUID()}`,
    erasedAt: now.toISOString(),
    ...(erasedBy ? { erasedBy } : {}),
    expiresAt: keptUntil(now),
  };
  const write = new TransactWriteCommand({
    TransactItems: [
      {
        Delete: {
          TableName: tableName,
          Key: contactKey(contactId),
          ConditionExpression: 'attribute_exists(erasing)',
        },
      },
      ...(claimedEmail
        ? [
            {
              Delete: {
                TableName: tableName,
                Key: emailKey(claimedEmail),
                ConditionExpression: 'contactId = :contactId AND erasing = :contactId',
                ExpressionAttributeValues: { ':contactId': contactId },
              },
            },
          ]
        : []),
      { Put: { TableName: tableName, Item: erasureRecord } },
      // The contact leaves the current counts; the moves it made stay in their days' history.
      ...counterUpdates(
        tableName,
        contactId,
        counterDeltas([], sourcesOf(profile.firstTouch as Touch), now, profile.stage as Stage),
      ),
    ],
  });
  for (let attempt = 0; ; attempt++) {
    try {
      await documentClient.send(write);
      return true;
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : [];
      if (codes?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      // A concurrent write to a shared counter cancels the transaction; it is safe to repeat.
      const conflicted = codes?.some((reason) => reason.Code === 'TransactionConflict');
      if (!conflicted || attempt >= maxConflictRetries) throw error;
      await pause(attempt);
    }
  }
};
