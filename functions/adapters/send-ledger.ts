import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Track } from '../domain/schedule.js';
import { documentClient } from './dynamodb.js';

const ledgerPrefix = (track: Track, round: number) => `SEND#${track}#${round}#`;

/**
 * Each (contact, track, pass, step) email is claimed here with a conditional write before it is
 * handed to SES, so a retried step finds the claim and sends nothing a second time. A send SES
 * refused is released for the retry; a step that died between SES accepting and the ledger
 * recording it stays claimed: at most once beats twice for marketing email.
 */
export class SendLedger {
  constructor(private readonly tableName: string) {}

  async claim(contactId: string, track: Track, round: number, stepId: string, now: Date): Promise<boolean> {
    try {
      await documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `CONTACT#${contactId}`,
            sk: `${ledgerPrefix(track, round)}${stepId}`,
            track,
            round,
            stepId,
            status: 'sending',
            claimedAt: now.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async markSent(
    contactId: string,
    track: Track,
    round: number,
    stepId: string,
    messageId: string,
    now: Date,
  ) {
    await documentClient.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `CONTACT#${contactId}`, sk: `${ledgerPrefix(track, round)}${stepId}` },
        UpdateExpression: 'SET #status = :sent, messageId = :messageId, sentAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sent': 'sent', ':messageId': messageId, ':now': now.toISOString() },
      }),
    );
  }

  async stepIds(contactId: string, track: Track, round: number): Promise<Set<string>> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': `CONTACT#${contactId}`, ':prefix': ledgerPrefix(track, round) },
        ProjectionExpression: 'stepId',
        ConsistentRead: true,
      }),
    );
    return new Set(Items.map((item) => item.stepId as string));
  }

  /** When the contact's marketing emails since `since` were handed to SES, on every track. */
  async sendTimes(contactId: string, since: Date): Promise<string[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        FilterExpression: 'claimedAt >= :since',
        ExpressionAttributeValues: {
          ':pk': `CONTACT#${contactId}`,
          ':prefix': 'SEND#',
          ':since': since.toISOString(),
        },
        ProjectionExpression: 'claimedAt',
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.claimedAt as string);
  }

  async release(contactId: string, track: Track, round: number, stepId: string): Promise<void> {
    await documentClient.send(
      new DeleteCommand({
        TableName: this.tableName,
        Key: { pk: `CONTACT#${contactId}`, sk: `${ledgerPrefix(track, round)}${stepId}` },
        ConditionExpression: '#status = :sending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':sending': 'sending' },
      }),
    );
  }
}
