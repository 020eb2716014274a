import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { normaliseEmail } from '../../functions/domain/email-address.js';
import type { RunningRuntime } from './local-runtime.js';

/** A client on the runtime's emulated DynamoDB, for what a test reads behind the API. */
const withTable = async <T>(runtime: RunningRuntime, use: (client: DynamoDBClient) => Promise<T>) => {
  const { dynamodb: endpoint } = (await (await runtime.call('/_local/endpoints')).json()) as {
    dynamodb: string;
  };
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    return await use(client);
  } finally {
    client.destroy();
  }
};

/** Every item in the local runtime's table, as plain objects. */
export const allTableItems = (runtime: RunningRuntime): Promise<Record<string, unknown>[]> =>
  withTable(runtime, async (client) => {
    const documents = DynamoDBDocumentClient.from(client);
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await documents.send(
        new ScanCommand({ TableName: 'leadflow', ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  });

/** Every item key in the local runtime's table, sorted: what "the table unchanged" compares. */
export const tableKeys = async (runtime: RunningRuntime): Promise<string[]> =>
  (await allTableItems(runtime)).map((item) => `${item.pk} ${item.sk}`).sort();

/**
 * The contact an address belongs to, read from the address claim: the public intake no longer
 * tells (it discloses nothing), and tests of other features should not depend on the admin search.
 */
export const contactIdFor = (runtime: RunningRuntime, email: string): Promise<string | undefined> =>
  withTable(runtime, async (client) => {
    const { Item } = await client.send(
      new GetItemCommand({
        TableName: 'leadflow',
        Key: { pk: { S: `EMAIL#${normaliseEmail(email)}` }, sk: { S: 'EMAIL' } },
        ConsistentRead: true,
      }),
    );
    return Item?.contactId?.S;
  });

/** The items of partition `pk` whose sort key begins with `prefix`, as plain objects. */
export const tableItems = (
  runtime: RunningRuntime,
  pk: string,
  prefix: string,
): Promise<Record<string, unknown>[]> =>
  withTable(runtime, async (client) => {
    const { Items = [] } = await DynamoDBDocumentClient.from(client).send(
      new QueryCommand({
        TableName: 'leadflow',
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
        ConsistentRead: true,
      }),
    );
    return Items;
  });

/** Writes one item behind the API: what a step that died midway leaves in the table. */
export const putTableItem = (runtime: RunningRuntime, item: Record<string, unknown>): Promise<void> =>
  withTable(runtime, async (client) => {
    await DynamoDBDocumentClient.from(client).send(new PutCommand({ TableName: 'leadflow', Item: item }));
  });
