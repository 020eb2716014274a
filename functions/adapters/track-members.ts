import { stagesOnTrack } from '../domain/journey.js';
import type { Track } from '../domain/schedule.js';
import type { Stage } from '../domain/stages.js';
import { queryAll } from './dynamodb.js';
import { byStagePk } from './table-keys.js';

/** The ids of the contacts at these stages now, through the by-stage index (never a table scan). */
export const stageMembers = async (tableName: string, stages: readonly Stage[]): Promise<string[]> => {
  const members: string[] = [];
  for (const stage of stages) {
    const items = await queryAll({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :stage',
      ExpressionAttributeValues: { ':stage': byStagePk(stage) },
      ProjectionExpression: 'contactId',
    });
    for (const item of items) members.push(String(item.contactId));
  }
  return members;
};

/**
 * The contacts on a track now: who a schedule edit reaches. Side states count too: a
 * `disqualified` contact stays on nurture.
 */
export const trackMembers = (tableName: string, track: Track): Promise<string[]> =>
  stageMembers(tableName, stagesOnTrack(track));
