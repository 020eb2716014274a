import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { shardOf } from '../domain/funnel-report.js';
import {
  type Milestone,
  milestones,
  type SourceCount,
  type SourceCounting,
} from '../domain/source-report.js';
import { queryAll } from './dynamodb.js';
import { monthsPk, sourcesMonthPk } from './table-keys.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Counter updates to put in the same transaction as the contact's creation or stage change, with
 * the contact's `reachedMilestone`: a milestone is counted once, when that write succeeds.
 */
export const sourceCounterUpdates = (
  tableName: string,
  contactId: string,
  counting: SourceCounting,
): TransactItem[] => {
  const shard = shardOf(contactId);
  return counting.deltas.map((delta) => {
    const added = [...(delta.contact ? ['contacts'] : []), ...delta.milestones];
    return {
      Update: {
        TableName: tableName,
        // The value sits between the fixed dimension and the shard, so no two keys collide.
        Key: { pk: sourcesMonthPk(delta.month), sk: `${delta.dimension}#${delta.value}#${shard}` },
        UpdateExpression: `SET #dimension = :dimension, #value = :value ADD ${added.map((name) => `#${name} :one`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(
          ['dimension', 'value', ...added].map((name) => [`#${name}`, name]),
        ),
        ExpressionAttributeValues: { ':dimension': delta.dimension, ':value': delta.value, ':one': 1 },
      },
    };
  });
};

/** The months that have contacts, from the registry intake keeps (an item a month); within `from`..`to` when given. */
export const creationMonths = async (tableName: string, from?: string, to?: string): Promise<string[]> =>
  (
    await queryAll({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': monthsPk },
    })
  )
    .map((item) => String(item.sk))
    .filter((month) => (!from || month >= from) && (!to || month <= to));

/** Every counter of those months: one query per month. */
export const sourceCounts = async (tableName: string, months: readonly string[]): Promise<SourceCount[]> =>
  (
    await Promise.all(
      months.map((month) =>
        queryAll({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': sourcesMonthPk(month) },
        }),
      ),
    )
  )
    .flat()
    .map((item) => ({
      dimension: String(item.dimension),
      value: String(item.value),
      contacts: Number(item.contacts ?? 0),
      reached: Object.fromEntries(
        milestones.map((milestone) => [milestone, Number(item[milestone] ?? 0)]),
      ) as Record<Milestone, number>,
    }));
