import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { type CounterDelta, type MoveCount, type StageCount, shardOf } from '../domain/funnel-report.js';
import type { Stage } from '../domain/stages.js';
import { queryAll } from './dynamodb.js';
import { funnelDayPk, funnelStagePk } from './table-keys.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Counter updates to put in the same transaction as the stage change they count: the counters
 * move only when the change is written, so a retried or refused write counts nothing.
 */
export const counterUpdates = (
  tableName: string,
  contactId: string,
  deltas: CounterDelta[],
): TransactItem[] => {
  const shard = shardOf(contactId);
  return deltas.map((delta) => {
    const key =
      delta.kind === 'stage'
        ? { pk: funnelStagePk, sk: `STAGE#${delta.stage}#${delta.source}#${shard}` }
        : { pk: funnelDayPk(delta.day), sk: `MOVE#${delta.from}#${delta.to}#${delta.source}#${shard}` };
    const labels =
      delta.kind === 'stage'
        ? { stage: delta.stage, source: delta.source }
        : { from: delta.from, to: delta.to, source: delta.source };
    const names = Object.keys(labels);
    return {
      Update: {
        TableName: tableName,
        Key: key,
        UpdateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')} ADD #count :delta`,
        ExpressionAttributeNames: Object.fromEntries([...names, 'count'].map((name) => [`#${name}`, name])),
        ExpressionAttributeValues: {
          ...Object.fromEntries(Object.entries(labels).map(([name, value]) => [`:${name}`, value])),
          ':delta': delta.delta,
        },
      },
    };
  });
};

const partition = (tableName: string, pk: string) =>
  queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
  });

/** The current counts: one partition, a few hundred small items at most. */
export const stageCounts = async (tableName: string): Promise<StageCount[]> =>
  (await partition(tableName, funnelStagePk)).map((item) => ({
    stage: String(item.stage),
    source: String(item.source),
    count: Number(item.count),
  }));

/** The moves of each day in the period: one query per day. */
export const moveCounts = async (tableName: string, days: string[]): Promise<MoveCount[]> =>
  (await Promise.all(days.map((day) => partition(tableName, funnelDayPk(day))))).flat().map((item) => ({
    from: String(item.from),
    to: String(item.to),
    source: String(item.source),
    count: Number(item.count),
  }));

/**
 * How many contacts stand at each of these stages now, from the counters (one small partition):
 * what a request may know of an audience of any size without reading it.
 */
export const stageTotals = async (
  tableName: string,
  stages: readonly Stage[],
): Promise<Map<Stage, number>> => {
  const totals = new Map<Stage, number>(stages.map((stage) => [stage, 0]));
  for (const { stage, source, count } of await stageCounts(tableName)) {
    // Every contact counts once under its channel (and again under its form and its offer).
    const at = stage as Stage;
    if (source.startsWith('channel:') && totals.has(at)) totals.set(at, (totals.get(at) ?? 0) + count);
  }
  return totals;
};
