import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';

/** One client per module load; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB when set (locally). */
export const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}), {
  // A table keyed by outside strings may hold an own `constructor` key (a rule label), which the
  // marshaller would otherwise take for a class instance and refuse.
  marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
});

/** Every item a query matches, page after page. */
export const queryAll = async (input: QueryCommandInput): Promise<Record<string, unknown>[]> => {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await documentClient.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
};

/** Runs a conditional write: false when its condition refused it (written before, or not allowed). */
export const writeIf = async (write: () => Promise<unknown>): Promise<boolean> => {
  try {
    await write();
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
};
