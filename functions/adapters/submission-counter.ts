import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { RateWindow } from '../domain/intake-rate.js';
import { documentClient } from './dynamodb.js';
import { rateKey } from './table-keys.js';

/**
 * Counts a client's intake submissions per window: one item per client and window, bumped by an
 * atomic `ADD`, so concurrent requests each see their own count and no read precedes the write.
 * The item carries the table's TTL attribute, so DynamoDB deletes it once its window is over.
 */
export class SubmissionCounter {
  constructor(private readonly tableName: string) {}

  /**
   * Counts one more submission from the client in `window`; answers the window's count so far.
   * The client is its address's salted hash (`hashClientAddress`): the table keeps no IP addresses.
   */
  async add(client: string, window: RateWindow): Promise<number> {
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: rateKey(client, window.start),
        UpdateExpression: 'ADD #count :one SET expiresAt = :expiresAt',
        // COUNT is a reserved word in DynamoDB expressions.
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':one': 1, ':expiresAt': window.expiresAt },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.count);
  }
}
