import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { defaultSchedules, type Schedule, type Track } from '../domain/schedule.js';
import { documentClient } from './dynamodb.js';

/** The schedule in force for a track: the newest published version, or the built-in default. */
export class ScheduleRepository {
  constructor(private readonly tableName: string) {}

  async current(track: Track): Promise<Schedule> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: `SCHEDULE#${track}`, sk: 'CURRENT' } }),
    );
    return Item ? (Item.schedule as Schedule) : defaultSchedules[track];
  }
}
