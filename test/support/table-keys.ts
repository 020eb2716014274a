import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { RunningRuntime } from './local-runtime.js';

/** Every item key in the local runtime's table, sorted: what "the table unchanged" compares. */
export const tableKeys = async (runtime: RunningRuntime): Promise<string[]> => {
  const { dynamodb: endpoint } = (await (await runtime.call('/_local/endpoints')).json()) as {
    dynamodb: string;
  };
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const keys: string[] = [];
  try {
    let start: Record<string, never> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: 'leadflow', ExclusiveStartKey: start }));
      for (const item of page.Items ?? []) keys.push(`${item.pk?.S} ${item.sk?.S}`);
      start = page.LastEvaluatedKey as typeof start;
    } while (start);
  } finally {
    client.destroy();
  }
  return keys.sort();
};
