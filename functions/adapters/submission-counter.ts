import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { hashClientAddress } from '../domain/client-address.js';
import type { RateWindow } from '../domain/intake-rate.js';
import { documentClient } from './dynamodb.js';
import { unsubscribeSecret } from './secrets.js';

/**
 * Counts a client's intake submissions per window: one item per client and window, bumped by an
 * atomic `ADD`, so concurrent requests each see their own count and no read precedes the write.
 * The item carries the table's TTL attribute, so DynamoDB deletes it once its window is over.
 */
export class SubmissionCounter {
  constructor(private readonly tableName: string) {}

  /**
   * Counts one more submission from `sourceIp` in `window`; answers the window's count so far.
   * The counter is keyed by the address's salted hash: the table keeps no IP addresses.
   */
  async add(sourceIp: string, window: RateWindow): Promise<number> {
    const client = hashClientAddress(sourceIp, await unsubscribeSecret());
    const { Attributes } = await documentClient.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { pk: `RATE#${client}`, sk: window.start },
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
