import { BatchWriteCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Touch } from '../domain/contact.js';
import { counterDeltas, sourcesOf } from '../domain/funnel-report.js';
import type { Stage } from '../domain/stages.js';
import { documentClient, queryAll } from './dynamodb.js';
import { counterUpdates } from './funnel-counters.js';

/** DynamoDB's BatchWriteItem limit. */
const batchSize = 25;

export interface Erased {
  /** The journey's waiting task at the time: woken so the journey sees the contact gone and ends. */
  taskToken?: string;
}

/**
 * Erases a contact (a data-subject request): the profile and the address claim together, so the
 * address may sign up afresh at once, then everything else kept under the contact (touches,
 * events, the send ledger). Undefined when there is no such contact.
 */
export const eraseContact = async (
  tableName: string,
  contactId: string,
  now: Date,
): Promise<Erased | undefined> => {
  const pk = `CONTACT#${contactId}`;
  const items = await queryAll({
    TableName: tableName,
    KeyConditionExpression: 'pk = :pk',
    ExpressionAttributeValues: { ':pk': pk },
    ProjectionExpression: 'pk, sk, emailNormalised, taskToken, stage, firstTouch',
    ConsistentRead: true,
  });

  const profile = items.find((item) => item.sk === 'PROFILE');
  if (!profile) return undefined;
  await documentClient.send(
    new TransactWriteCommand({
      TransactItems: [
        { Delete: { TableName: tableName, Key: { pk, sk: 'PROFILE' } } },
        {
          Delete: {
            TableName: tableName,
            Key: { pk: `EMAIL#${String(profile.emailNormalised)}`, sk: 'EMAIL' },
            // Only our own claim: the address may already belong to a newer contact.
            ConditionExpression: 'attribute_not_exists(pk) OR contactId = :contactId',
            ExpressionAttributeValues: { ':contactId': contactId },
          },
        },
        // The contact leaves the current counts; the moves it made stay in their days' history.
        ...counterUpdates(
          tableName,
          contactId,
          counterDeltas([], sourcesOf(profile.firstTouch as Touch), now, profile.stage as Stage),
        ),
      ],
    }),
  );

  const rest = items.filter((item) => item.sk !== 'PROFILE');
  for (let i = 0; i < rest.length; i += batchSize) {
    let requests = rest
      .slice(i, i + batchSize)
      .map((item) => ({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } }));
    // Unprocessed items come back under throttling: send them again until none are left.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((wait) => setTimeout(wait, 50 * 2 ** Math.min(attempt, 6)));
      const { UnprocessedItems } = await documentClient.send(
        new BatchWriteCommand({ RequestItems: { [tableName]: requests } }),
      );
      requests = (UnprocessedItems?.[tableName] ?? []) as typeof requests;
    }
  }
  return typeof profile.taskToken === 'string' ? { taskToken: profile.taskToken } : {};
};
