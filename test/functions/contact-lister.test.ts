import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, type QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactLister as Lister } from '../../functions/adapters/contact-lister.js';
import type { ContactRepository as Repository } from '../../functions/adapters/contact-repository.js';
import { newContact } from '../../functions/domain/contact.js';
import { type ContactFilter, decodeCursor, encodeCursor } from '../../functions/domain/contact-query.js';
import { defaultRules } from '../../functions/domain/qualification.js';
import { parseSubmission } from '../../functions/domain/submission.js';
import { touchFromSubmission } from '../../functions/domain/touch.js';
import { tableDesign } from '../../lib/table-design.js';
import {
  ensureTable,
  type LocalDynamoDb,
  localCredentials,
  localDynamoDbClient,
  localRegion,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.js';

const tableName = 'leadflow-list-test';
let dataDir: string;
let dynamodb: LocalDynamoDb;
let client: DynamoDBClient;
let contacts: Repository;
let ContactLister: typeof Lister;
/** Every command the lister sent, by name: the real DynamoDB Local answers, this only records. */
const sent: string[] = [];
let lister: Lister;

const create = async (fields: Record<string, unknown>, at: string) => {
  const parsed = parseSubmission(fields);
  if (!parsed.ok) throw new Error(`bad test submission: ${JSON.stringify(parsed.issues)}`);
  const contactId = randomUUID();
  const touch = touchFromSubmission(parsed.value, { touchId: randomUUID(), contactId }, new Date(at));
  const contact = newContact(parsed.value, touch, defaultRules);
  expect(await contacts.createContact(contact)).toBe(true);
  return { contactId, touch, parsed: parsed.value };
};

const all = async (filter: ContactFilter, limit: number) => {
  const ids: string[] = [];
  let page = await lister.list(filter, limit);
  for (;;) {
    ids.push(...page.items.map((item) => String(item.contactId)));
    if (!page.next) return ids;
    page = await lister.list(filter, limit, page.next);
  }
};

const made: { contactId: string; channel: string; at: string }[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'leadflow-list-'));
  dynamodb = await startDynamoDbLocal(dataDir);
  Object.assign(process.env, {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
  });
  client = localDynamoDbClient(dynamodb.endpoint);
  await ensureTable(client, tableName);
  // Imported only now: their SDK client reads the endpoint when it is created.
  const { ContactRepository } = await import('../../functions/adapters/contact-repository.js');
  ({ ContactLister } = await import('../../functions/adapters/contact-lister.js'));
  contacts = new ContactRepository(tableName);
  const documents = DynamoDBDocumentClient.from(client);
  lister = new ContactLister(tableName, (command: QueryCommand) => {
    sent.push(command.constructor.name);
    return documents.send(command);
  });
  // Three months, a gap between them, two channels.
  const days = ['2026-01-15', '2026-01-31', '2026-03-01', '2026-03-20', '2026-06-02'];
  for (const [d, day] of days.entries()) {
    for (let i = 0; i < 12; i++) {
      const channel = i % 3 === 0 ? 'event' : 'blog';
      const at = `${day}T0${i % 10}:00:00.000Z`;
      const { contactId } = await create(
        { email: `p${d}-${i}@example.com`, firstName: `Person${d}x${i}`, source: { channel } },
        at,
      );
      made.push({ contactId, channel, at });
    }
  }
}, 120_000);

afterAll(async () => {
  client?.destroy();
  await dynamodb?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('ContactLister', () => {
  it('walks the monthly shards with queries only, each contact once, in order', async () => {
    sent.length = 0;
    const newest = await all({ sort: 'newest' }, 7);
    const oldest = await all({ sort: 'oldest' }, 11);
    const byChannel = await all(
      { sort: 'newest', channel: 'event', createdFrom: '2026-01-31T00:00:00.000Z' },
      4,
    );

    expect(newest).toHaveLength(made.length);
    expect(new Set(newest)).toEqual(new Set(made.map((c) => c.contactId)));
    expect(oldest).toEqual([...newest].reverse());
    expect(new Set(byChannel)).toEqual(
      new Set(made.filter((c) => c.channel === 'event' && c.at >= '2026-01-31').map((c) => c.contactId)),
    );
    expect(new Set(sent)).toEqual(new Set(['QueryCommand']));
  });

  it('finds a name filled in by a later touch', async () => {
    const { contactId, parsed } = await create({ email: 'nameless@example.com' }, '2026-06-03T00:00:00.000Z');
    expect(await all({ sort: 'newest', q: 'zebedee' }, 50)).toEqual([]);

    const touch = touchFromSubmission(parsed, { touchId: randomUUID(), contactId }, new Date());
    await contacts.addTouch(touch, { set: {}, fillIfBlank: { lastName: 'Zebedee', company: 'Acme' } });

    expect(await all({ sort: 'newest', q: 'zebedee' }, 50)).toEqual([contactId]);
    expect(await all({ sort: 'newest', q: 'acme' }, 50)).toEqual([contactId]);
    expect(await contacts.getContact(contactId)).not.toHaveProperty('searchText');
  });
});

describe('the cursor', () => {
  const filter: ContactFilter = { sort: 'newest', channel: 'email' };
  const names = ['pk', 'sk', 'gsi2pk', 'gsi2sk'];
  const key = { pk: 'a', sk: 'b', gsi2pk: 'c', gsi2sk: 'd' };

  it('reads back what it wrote, only for its filter and its index', () => {
    const cursor = encodeCursor(filter, { month: '2026-03', key });

    expect(decodeCursor(cursor, filter, names)).toEqual({ ok: true, value: { month: '2026-03', key } });
    expect(decodeCursor(cursor, { ...filter, channel: 'event' }, names).ok).toBe(false);
    expect(decodeCursor(cursor, filter, ['pk', 'sk', 'gsi1pk', 'gsi1sk']).ok).toBe(false);
    expect(decodeCursor('%%%', filter, names).ok).toBe(false);
  });
});

describe('ensureTable', () => {
  it('adds an index an older table lacks, and the older contacts to it', async () => {
    const [first] = tableDesign.globalSecondaryIndexes;
    if (!first) throw new Error('no index');
    const old = 'leadflow-old-test';
    await client.send(
      new CreateTableCommand({
        TableName: old,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: ['pk', 'sk', first.partitionKey, first.sortKey].map((name) => ({
          AttributeName: name,
          AttributeType: 'S',
        })),
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: first.indexName,
            KeySchema: [
              { AttributeName: first.partitionKey, KeyType: 'HASH' },
              { AttributeName: first.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
      }),
    );

    const documents = DynamoDBDocumentClient.from(client);
    const createdAt = '2025-12-24T10:00:00.000Z';
    await documents.send(
      new PutCommand({
        TableName: old,
        Item: {
          pk: 'CONTACT#c1',
          sk: 'PROFILE',
          contactId: 'c1',
          createdAt,
          email: 'Old@Example.com',
          firstName: 'Olga',
        },
      }),
    );

    await ensureTable(client, old);

    const { Table } = await client.send(new DescribeTableCommand({ TableName: old }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      tableDesign.globalSecondaryIndexes.map((index) => index.indexName),
    );
    const oldLister = new ContactLister(old, (command: QueryCommand) => documents.send(command));
    const { items } = await oldLister.list({ sort: 'newest', q: 'olga' }, 10);
    expect(items).toEqual([
      expect.objectContaining({ contactId: 'c1', searchText: 'olga\nold@example.com' }),
    ]);
  });
});
