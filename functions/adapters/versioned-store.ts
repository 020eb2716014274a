import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient, queryAll } from './dynamodb.js';
import { currentSk, versionPrefix, versionSk } from './table-keys.js';

/** An extra item the publish writes in the same transaction (an index entry, say). */
export interface CompanionItem {
  pk: string;
  sk: string;
  [attribute: string]: unknown;
}

/**
 * A resource marketers edit and publish, kept as `CURRENT` (the version in force) and every
 * published `VERSION#n` under one partition, each item holding the resource under `attribute`.
 * Schedules and templates share it: the versioning, the If-Match race and the history are the
 * same whatever the resource is.
 */
export class VersionedStore<T extends { version: number }> {
  constructor(
    private readonly tableName: string,
    private readonly attribute: string,
  ) {}

  async current(pk: string): Promise<T | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: { pk, sk: currentSk }, ConsistentRead: true }),
    );
    return Item ? (Item[this.attribute] as T) : undefined;
  }

  /** Every published version, newest first. */
  async versions(pk: string): Promise<T[]> {
    const items = await queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': pk, ':version': versionPrefix },
      ScanIndexForward: false,
    });
    return items.map((item) => item[this.attribute] as T);
  }

  /**
   * Publishes `resource` (its version one past `expectedVersion`) in one transaction: the new
   * version is written only if no one has written it, and `CURRENT` moves only if it still is the
   * expected version (absent for 0). False when another publish got there first.
   */
  async publish(pk: string, resource: T, expectedVersion: number, companions: CompanionItem[] = []) {
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: versionSk(resource.version), [this.attribute]: resource },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: currentSk, version: resource.version, [this.attribute]: resource },
                ConditionExpression:
                  expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
                ...(expectedVersion === 0
                  ? {}
                  : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
              },
            },
            ...companions.map((Item) => ({ Put: { TableName: this.tableName, Item } })),
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (codes?.some((reason) => reason.Code === 'ConditionalCheckFailed')) return false;
      throw error;
    }
  }
}
