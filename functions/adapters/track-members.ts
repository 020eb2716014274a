import { stagesOnTrack } from '../domain/journey.js';
import type { Track } from '../domain/schedule.js';
import { queryAll } from './dynamodb.js';

/**
 * The ids of the contacts on a track now, through the by-stage index (never a table scan): who a
 * schedule edit reaches. Side states count too: a `disqualified` contact stays on nurture.
 */
export const trackMembers = async (tableName: string, track: Track): Promise<string[]> => {
  const members: string[] = [];
  for (const stage of stagesOnTrack(track)) {
    const items = await queryAll({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :stage',
      ExpressionAttributeValues: { ':stage': `STAGE#${stage}` },
      ProjectionExpression: 'contactId',
    });
    for (const item of items) members.push(String(item.contactId));
  }
  return members;
};
