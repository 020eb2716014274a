import { trackOf } from '../domain/journey.js';
import type { Track } from '../domain/schedule.js';
import { funnelStages, type Stage } from '../domain/stages.js';
import { queryAll } from './dynamodb.js';

export interface TrackMember {
  contactId: string;
  taskToken?: string;
}

/** The stages whose contacts are on `track`. */
const stagesOf = (track: Track): Stage[] => funnelStages.filter((stage) => trackOf(stage) === track);

/**
 * The contacts on a track now, through the by-stage index (never a table scan): who a schedule
 * edit reaches, and each one's waiting task, if one waits.
 */
export const trackMembers = async (tableName: string, track: Track): Promise<TrackMember[]> => {
  const members: TrackMember[] = [];
  for (const stage of stagesOf(track)) {
    const items = await queryAll({
      TableName: tableName,
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :stage',
      ExpressionAttributeValues: { ':stage': `STAGE#${stage}` },
      ProjectionExpression: 'contactId, taskToken',
    });
    for (const item of items) {
      const member: TrackMember = { contactId: String(item.contactId) };
      if (typeof item.taskToken === 'string') member.taskToken = item.taskToken;
      members.push(member);
    }
  }
  return members;
};
