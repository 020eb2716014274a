import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { defaultSchedules, type Schedule, type Track } from '../domain/schedule.js';
import { documentClient, queryAll } from './dynamodb.js';

const scheduleKey = (track: Track) => `SCHEDULE#${track}`;
const versionKey = (version: number) => `VERSION#${String(version).padStart(6, '0')}`;

/**
 * Schedules by track: `CURRENT` (the version in force) and every published `VERSION#n`. Until the
 * first publish, a track runs its built-in default as version 0.
 */
export class ScheduleRepository {
  constructor(private readonly tableName: string) {}

  async current(track: Track): Promise<Schedule> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: scheduleKey(track), sk: 'CURRENT' },
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.schedule as Schedule) : defaultSchedules[track];
  }

  /** Newest first, the built-in default last. */
  async versions(track: Track): Promise<Schedule[]> {
    const items = await queryAll({
      TableName: this.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :version)',
      ExpressionAttributeValues: { ':pk': scheduleKey(track), ':version': 'VERSION#' },
      ScanIndexForward: false,
    });
    const versions = items.map((item) => item.schedule as Schedule);
    return [...versions, defaultSchedules[track]];
  }

  /**
   * Publishes `schedule` (its version one past `expectedVersion`) in one transaction: the new
   * version is written only if no one has written it, and `CURRENT` moves only if it still is the
   * expected version. False when another publish got there first.
   */
  async publish(schedule: Schedule, expectedVersion: number): Promise<boolean> {
    const pk = scheduleKey(schedule.track);
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: versionKey(schedule.version), schedule },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.tableName,
                Item: { pk, sk: 'CURRENT', version: schedule.version, schedule },
                ConditionExpression:
                  expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :expected',
                ...(expectedVersion === 0
                  ? {}
                  : { ExpressionAttributeValues: { ':expected': expectedVersion } }),
              },
            },
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
