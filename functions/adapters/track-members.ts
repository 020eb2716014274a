import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { sampleQuotas } from '../domain/preview-sample.js';
import type { Stage } from '../domain/stages.js';
import { documentClient, queryAll } from './dynamodb.js';
import { stageTotals } from './funnel-counters.js';
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

/** Where a walk over the by-stage index stands: the stage's index, and the last key read in it. */
export interface StagesCursor {
  stage?: number;
  after?: Record<string, unknown>;
}

/**
 * Up to `limit` contact ids at these stages from `cursor` on, through the by-stage index, and where
 * the page after them starts (null past the last stage): a job's audience, a page at a time.
 */
export const stagesPage = async (
  tableName: string,
  stages: readonly Stage[],
  cursor: StagesCursor,
  limit: number,
): Promise<{ contactIds: string[]; next: StagesCursor | null }> => {
  const contactIds: string[] = [];
  let at: StagesCursor = cursor;
  for (let stage = at.stage ?? 0; stage < stages.length && contactIds.length < limit; stage = at.stage ?? 0) {
    const { Items = [], LastEvaluatedKey } = await documentClient.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :stage',
        ExpressionAttributeValues: { ':stage': byStagePk(String(stages[stage])) },
        ProjectionExpression: 'contactId',
        Limit: limit - contactIds.length,
        ...(at.after ? { ExclusiveStartKey: at.after } : {}),
      }),
    );
    for (const item of Items) contactIds.push(String(item.contactId));
    at = LastEvaluatedKey ? { stage, after: LastEvaluatedKey } : { stage: stage + 1 };
  }
  return { contactIds, next: (at.stage ?? 0) >= stages.length ? null : at };
};

/** The first `limit` contact ids at the stage (those there longest), through the by-stage index. */
export const stageSample = async (tableName: string, stage: Stage, limit: number): Promise<string[]> =>
  (await stagesPage(tableName, [stage], {}, limit)).contactIds;

/**
 * The contacts at these stages a preview reads: all of them while they fit `size`, past it a sample
 * of each stage in proportion to its count (the funnel's counters, one small partition), so a
 * preview costs the same at a million contacts. `total` is how many there are, all told.
 */
export const previewAudience = async (
  tableName: string,
  stages: readonly Stage[],
  size: number,
): Promise<{ contactIds: string[]; total: number; sampled: boolean }> => {
  const totals = await stageTotals(tableName, stages);
  const total = [...totals.values()].reduce((sum, n) => sum + n, 0);
  if (total <= size) return { contactIds: await stageMembers(tableName, stages), total, sampled: false };
  const samples = await Promise.all(
    [...sampleQuotas(totals, size)].map(([stage, quota]) => stageSample(tableName, stage, quota)),
  );
  return { contactIds: samples.flat(), total, sampled: true };
};
