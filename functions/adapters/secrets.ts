import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { requireEnv } from '../config/env.js';
import { documentClient } from './dynamodb.js';
import { secretKey } from './table-keys.js';

/**
 * The deployment's one secret, used each time under a purpose of its own: it signs the links in
 * emails (unsubscribe, confirm), hashes the client addresses the intake counts and consent records
 * keep, and the addresses erasure records are filed under. It lives in the table itself (its item
 * still named for its first use): created on first use, the same way in AWS and locally, with no
 * secrets service to deploy or emulate. Access to it is
 * access to the table, which every function that needs it has anyway. A conditional put makes
 * concurrent first uses agree on one key.
 */

let cached: Promise<Buffer> | undefined;

export const deploymentSecret = (): Promise<Buffer> => {
  cached ??= loadOrCreate(requireEnv('TABLE_NAME')).catch((error: unknown) => {
    // A failed read must not be remembered: the next call tries again.
    cached = undefined;
    throw error;
  });
  return cached;
};

const read = async (tableName: string): Promise<Buffer | undefined> => {
  const { Item } = await documentClient.send(
    new GetCommand({ TableName: tableName, Key: secretKey, ConsistentRead: true }),
  );
  return typeof Item?.secret === 'string' ? Buffer.from(Item.secret, 'base64') : undefined;
};

const loadOrCreate = async (tableName: string): Promise<Buffer> => {
  const existing = await read(tableName);
  if (existing) return existing;
  const secret = randomBytes(32);
  try {
    await documentClient.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...secretKey, secret: secret.toString('base64'), createdAt: new Date().toISOString() },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return secret;
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    const winner = await read(tableName);
    if (!winner) throw new Error('The deployment secret was created concurrently but cannot be read');
    return winner;
  }
};
