import { PutCommand, QueryCommand, type QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { ContactFilter, ListPosition } from '../domain/contact-query.js';
import { documentClient } from './dynamodb.js';
import { byCreationPk, byStagePk, creationMonth, monthItem, monthsPk } from './table-keys.js';

/** Months this process already registered: a campaign's burst of intakes writes the item once. */
const registeredMonths = new Set<string>();

/**
 * Registers the month a contact is created in, before the contact is written, so a listing never
 * misses a shard. Idempotent, and outside the creation's transaction: a shared item in every
 * transaction would make concurrent intakes cancel each other.
 */
export const registerCreationMonth = async (tableName: string, createdAt: string): Promise<void> => {
  const month = creationMonth(createdAt);
  if (registeredMonths.has(month)) return;
  await documentClient.send(new PutCommand({ TableName: tableName, Item: monthItem(createdAt) }));
  registeredMonths.add(month);
};

/** Sends a query: the lister's only I/O, so a test can record what it asks DynamoDB for. */
export type SendQuery = (command: QueryCommand) => Promise<QueryCommandOutput>;

export interface ContactPage {
  items: Record<string, unknown>[];
  next?: ListPosition;
}

const indexKeys = {
  gsi1: ['pk', 'sk', 'gsi1pk', 'gsi1sk'],
  gsi2: ['pk', 'sk', 'gsi2pk', 'gsi2sk'],
} as const;

/** A stage is listed from the by-stage index (gsi1), anything else from the all-contacts one (gsi2). */
const indexFor = (filter: ContactFilter) => (filter.stage ? 'gsi1' : 'gsi2');

/** The attributes a cursor's key must have for this filter. */
export const cursorKeyNames = (filter: ContactFilter): readonly string[] => indexKeys[indexFor(filter)];

/** One DynamoDB page of an index read when a filter drops items: a page is read whole, then cut. */
const filteredPageSize = 200;
/** A sparse filter over many months stops here and answers a short page with a cursor. */
const maxQueriesPerPage = 25;

/**
 * Lists contacts through the indexes, never a table scan. `stage` reads its `STAGE#` partition of
 * gsi1 (ordered by when they entered it, the `entered` period narrowing the key: a sales queue
 * with `sort=oldest` shows who waited longest);
 * everything else walks gsi2's monthly partitions, newest (or oldest) month first, with the created
 * period as the sort key's range. `q`, `channel` (and the period, on gsi1) are filter expressions:
 * DynamoDB reads, and bills, the index items of the partitions walked before it drops the others.
 */
export class ContactLister {
  constructor(
    private readonly tableName: string,
    private readonly send: SendQuery = (command) => documentClient.send(command),
  ) {}

  async list(filter: ContactFilter, limit: number, from: ListPosition = {}): Promise<ContactPage> {
    const index = indexFor(filter);
    const keyOf = (item: Record<string, unknown>) =>
      Object.fromEntries(indexKeys[index].map((name) => [name, String(item[name])]));
    const { filterExpression, names, values } = filterOf(filter, index);
    const pageSize =
      filter.q || filter.channel || (index === 'gsi1' && hasPeriod(filter)) ? filteredPageSize : 0;
    const partitions =
      filter.stage !== undefined
        ? [{ month: undefined, key: stageCondition(filter.stage, filter) }]
        : (await this.months(filter, from.month)).map((month) => ({
            month,
            key: monthCondition(filter, month),
          }));

    const items: Record<string, unknown>[] = [];
    let start = from.key;
    let queries = 0;
    for (const [i, partition] of partitions.entries()) {
      do {
        const remaining = limit - items.length;
        const page = await this.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: index,
            KeyConditionExpression: partition.key.expression,
            FilterExpression: filterExpression,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...partition.key.values, ...values },
            ScanIndexForward: filter.sort === 'oldest',
            Limit: Math.max(remaining, pageSize),
            ExclusiveStartKey: start,
          }),
        );
        queries++;
        const found = page.Items ?? [];
        if (found.length >= remaining) {
          const kept = found.slice(0, remaining);
          items.push(...kept);
          const last = kept.at(-1);
          // Cut inside the page: resume after the last item kept, not after the page.
          const after = found.length > remaining && last ? keyOf(last) : page.LastEvaluatedKey;
          if (after) return { items, next: position(partition.month, after as Record<string, string>) };
          const following = partitions[i + 1];
          return following ? { items, next: position(following.month) } : { items };
        }
        items.push(...found);
        start = page.LastEvaluatedKey as Record<string, string> | undefined;
        if (queries >= maxQueriesPerPage) {
          if (start) return { items, next: position(partition.month, start) };
          const following = partitions[i + 1];
          return following ? { items, next: position(following.month) } : { items };
        }
      } while (start);
    }
    return { items };
  }

  /** The registered months inside the period, in walking order, from the cursor's month on. */
  private async months(filter: ContactFilter, resumeAt: string | undefined): Promise<string[]> {
    const oldestFirst = filter.sort === 'oldest';
    const lowest = filter.createdFrom ? creationMonth(filter.createdFrom) : '0000-00';
    const highest = filter.createdBefore ? creationMonth(filter.createdBefore) : '9999-99';
    const [low, high] = resumeAt
      ? oldestFirst
        ? [resumeAt, highest]
        : [lowest, resumeAt]
      : [lowest, highest];
    const months: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
          ExpressionAttributeValues: { ':pk': monthsPk, ':low': low, ':high': high },
          ScanIndexForward: oldestFirst,
          ExclusiveStartKey: start,
        }),
      );
      months.push(...(page.Items ?? []).map((item) => String(item.sk)));
      start = page.LastEvaluatedKey;
    } while (start);
    return months;
  }
}

const position = (month: string | undefined, key?: Record<string, string>): ListPosition => ({
  ...(month ? { month } : {}),
  ...(key ? { key } : {}),
});

const hasPeriod = (filter: ContactFilter) => Boolean(filter.createdFrom || filter.createdBefore);

/**
 * A month's partition, narrowed to the period by the sort key (`createdAt#contactId`): `BETWEEN`
 * is inclusive, and the exclusive end still holds, since every key at that instant runs on past it.
 */
const monthCondition = (filter: ContactFilter, month: string) => ({
  expression: 'gsi2pk = :pk AND gsi2sk BETWEEN :from AND :before',
  values: {
    ':pk': byCreationPk(month),
    ':from': filter.createdFrom ?? '0',
    ':before': filter.createdBefore ?? '9',
  },
});

/**
 * A stage's partition, narrowed to when its contacts entered it by the sort key (the ISO instant
 * of the move): `BETWEEN` is inclusive, so the exclusive end is taken a millisecond earlier.
 */
const stageCondition = (stage: string, filter: ContactFilter) => {
  if (!filter.enteredFrom && !filter.enteredBefore) {
    return { expression: 'gsi1pk = :pk', values: { ':pk': byStagePk(stage) } };
  }
  const last = filter.enteredBefore ? new Date(Date.parse(filter.enteredBefore) - 1).toISOString() : '9';
  return {
    expression: 'gsi1pk = :pk AND gsi1sk BETWEEN :enteredFrom AND :enteredLast',
    values: {
      ':pk': byStagePk(stage),
      ':enteredFrom': filter.enteredFrom ?? '0',
      ':enteredLast': last,
    },
  };
};

/** Contacts being erased are left out, as `GET /v1/contacts/{id}` leaves them out. */
const filterOf = (filter: ContactFilter, index: 'gsi1' | 'gsi2') => {
  const conditions = ['attribute_not_exists(erasing)'];
  const names: Record<string, string> = {};
  const values: Record<string, string> = {};
  if (filter.q) {
    conditions.push('contains(searchText, :q)');
    values[':q'] = filter.q;
  }
  if (filter.channel) {
    conditions.push('firstTouch.#where.#channel = :channel');
    Object.assign(names, { '#where': 'where', '#channel': 'channel' });
    values[':channel'] = filter.channel;
  }
  if (index === 'gsi1' && filter.createdFrom) {
    conditions.push('createdAt >= :createdFrom');
    values[':createdFrom'] = filter.createdFrom;
  }
  if (index === 'gsi1' && filter.createdBefore) {
    conditions.push('createdAt < :createdBefore');
    values[':createdBefore'] = filter.createdBefore;
  }
  return {
    filterExpression: conditions.join(' AND '),
    names: Object.keys(names).length > 0 ? names : undefined,
    values,
  };
};
