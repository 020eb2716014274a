import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { FanOutJob, JobCounts, JobCursor } from '../domain/fan-out-job.js';
import type { IncomingEvent } from '../domain/incoming-event.js';
import { documentClient, writeIf } from './dynamodb.js';
import { eventPut } from './journey-repository.js';
import { liveContactCheck } from './live-contact.js';
import { eventKey, jobKey, jobMarkerKey } from './table-keys.js';

/**
 * A job's marker on a contact outlives any redrive of the job (Step Functions redrives within 14
 * days of the execution's end), then the table's TTL removes it; erasure removes it with the contact.
 */
const markerLifeMs = 30 * 86_400_000;

/** What storing a job's event on one contact found. */
export type JobEventStored = 'stored' | 'already' | 'gone';

/** Jobs over many contacts: their records (progress, checkpoint) and their per-contact markers. */
export class JobRepository {
  constructor(private readonly tableName: string) {}

  /** False when a job of that id exists already (a retried publish). */
  async create(job: FanOutJob): Promise<boolean> {
    return writeIf(() =>
      documentClient.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...jobKey(job.jobId), ...job },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
  }

  async get(jobId: string): Promise<FanOutJob | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({ TableName: this.tableName, Key: jobKey(jobId), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...job } = Item;
    return job as FanOutJob;
  }

  /**
   * Records page `page` as done: the job moves to the page after it and adds its counts, and is
   * done when `next` is null (its kind listed everything). Conditional on the job being at that
   * page, so the same checkpoint retried counts nothing twice. False when it was recorded already.
   */
  async checkpoint(
    job: FanOutJob,
    page: number,
    next: JobCursor,
    counts: JobCounts,
    now: Date,
  ): Promise<boolean> {
    const done = next === null;
    return writeIf(() =>
      documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: jobKey(job.jobId),
          UpdateExpression: `SET pages = :next, #cursor = :cursor, counts.reached = counts.reached + :reached, counts.skipped = counts.skipped + :skipped${done ? ', #status = :done, finishedAt = :now' : ''}`,
          ConditionExpression: 'pages = :page',
          ExpressionAttributeNames: { '#cursor': 'cursor', ...(done ? { '#status': 'status' } : {}) },
          ExpressionAttributeValues: {
            ':page': page,
            ':next': page + 1,
            ':cursor': next,
            ':reached': counts.reached,
            ':skipped': counts.skipped,
            ...(done ? { ':done': 'done', ':now': now.toISOString() } : {}),
          },
        }),
      ),
    );
  }

  /**
   * Stores the job's event for the contact with the job's marker, in one transaction: a contact
   * gets a job's event once, however often its batch runs (the event itself is deleted once the
   * journey applies it, so only the marker can tell). `gone` when the contact was erased.
   */
  async storeEvent(
    contactId: string,
    jobId: string,
    event: IncomingEvent,
    now: Date,
  ): Promise<JobEventStored> {
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            liveContactCheck(this.tableName, contactId),
            eventPut(this.tableName, contactId, event),
            {
              Put: {
                TableName: this.tableName,
                Item: {
                  ...jobMarkerKey(contactId, jobId),
                  at: now.toISOString(),
                  expiresAt: Math.floor((now.getTime() + markerLifeMs) / 1000),
                },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return 'stored';
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      if (codes?.[0]?.Code === 'ConditionalCheckFailed') return 'gone';
      if (codes?.[1]?.Code === 'ConditionalCheckFailed' || codes?.[2]?.Code === 'ConditionalCheckFailed') {
        return 'already';
      }
      throw error;
    }
  }

  /** Whether the contact's journey has yet to apply the event (it deletes what it applies). */
  async eventPending(contactId: string, event: IncomingEvent): Promise<boolean> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventKey(contactId, event),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return Item !== undefined;
  }
}
