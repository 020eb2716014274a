import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { BusEvent } from '../domain/bus-events.js';
import { counterDeltas } from '../domain/funnel-report.js';
import type { IncomingEvent } from '../domain/incoming-event.js';
import type { Standing } from '../domain/journey.js';
import type { SourceCounting } from '../domain/source-report.js';
import { documentClient } from './dynamodb.js';
import { counterUpdates } from './funnel-counters.js';
import { liveContact, liveContactCheck } from './live-contact.js';
import { sourceCounterUpdates } from './source-counters.js';
import {
  byStagePk,
  contactKey,
  contactPk,
  decisionKey,
  eventClaimKey,
  eventKey,
  eventPrefix,
  outboxKey,
  outboxPrefix,
} from './table-keys.js';

/** A transaction holds 100 items: the contact and at most this many consumed events. */
const maxEventsPerStep = 50;

/**
 * Puts a bus event in the contact's outbox, as part of the transaction that saves what it
 * announces; the contact's next journey step puts it on the bus (`outbox`, `clearOutbox`).
 */
export const outboxPut = (tableName: string, contactId: string, event: BusEvent) => ({
  Put: { TableName: tableName, Item: { ...outboxKey(contactId, event), event } },
});

/** Stores an event for the contact's next step, once: the same event put again is refused. */
export const eventPut = (tableName: string, contactId: string, event: IncomingEvent) => ({
  Put: {
    TableName: tableName,
    Item: { ...eventKey(contactId, event), ...event },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

/**
 * A caller's own `eventId` for an admin event, held for a month with what the event said, so a
 * retried request is answered as the first was and another body under the same id is refused.
 */
export interface EventClaim {
  eventId: string;
  fingerprint: string;
  type: string;
  at: string;
}

const claimDays = 30;

/** The `eventId` was already used for this contact; `claim` is what it was used for. */
export class EventIdTaken extends Error {
  constructor(readonly claim: EventClaim) {
    super(`Event ${claim.eventId} was already recorded`);
    this.name = 'EventIdTaken';
  }
}

/** Another sales decision on the contact's current stage was recorded first. */
export class DecisionTaken extends Error {
  constructor(contactId: string) {
    super(`A decision on contact ${contactId} at its current stage was already recorded`);
    this.name = 'DecisionTaken';
  }
}

/** The journey's own reads and writes on a contact: its pending events and its waiting task. */
export class JourneyRepository {
  constructor(private readonly tableName: string) {}

  /** What an `eventId` of the caller's was used for on this contact, if it was. */
  async eventClaim(contactId: string, eventId: string): Promise<EventClaim | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: eventClaimKey(contactId, eventId),
        ConsistentRead: true,
      }),
    );
    return Item ? (Item.claim as EventClaim) : undefined;
  }

  /**
   * Stores an event for the contact's next step. False when the contact is gone or being erased.
   * With `fingerprint`, the event's id is claimed in the same transaction (`EventIdTaken` if it was).
   */
  async putEvent(
    contactId: string,
    event: IncomingEvent,
    decisionSlot?: string,
    fingerprint?: string,
  ): Promise<boolean> {
    const claim: EventClaim | undefined =
      fingerprint === undefined
        ? undefined
        : { eventId: event.eventId, fingerprint, type: event.type, at: event.at };
    try {
      await documentClient.send(
        new TransactWriteCommand({
          TransactItems: [
            liveContactCheck(this.tableName, contactId),
            eventPut(this.tableName, contactId, event),
            ...(claim === undefined
              ? []
              : [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: {
                        ...eventClaimKey(contactId, event.eventId),
                        claim,
                        expiresAt: Math.floor(Date.parse(event.at) / 1000) + claimDays * 86_400,
                      },
                      ConditionExpression: 'attribute_not_exists(pk)',
                    },
                  },
                ]),
            // One decision per stage visit: the first one holds the slot (a retry of it still does).
            ...(decisionSlot === undefined
              ? []
              : [
                  {
                    Put: {
                      TableName: this.tableName,
                      Item: {
                        ...decisionKey(contactId, decisionSlot),
                        eventId: event.eventId,
                        type: event.type,
                        at: event.at,
                      },
                      ConditionExpression: 'attribute_not_exists(pk) OR eventId = :eventId',
                      ExpressionAttributeValues: { ':eventId': event.eventId },
                    },
                  },
                ]),
          ],
        }),
      );
      return true;
    } catch (error) {
      const codes = error instanceof TransactionCanceledException ? error.CancellationReasons : undefined;
      // The items in order: the live contact, the event, the claim (if any), the decision slot.
      const refused = (at: number) => codes?.[at]?.Code === 'ConditionalCheckFailed';
      if (refused(0)) return false;
      if (claim && refused(2)) {
        const taken = await this.eventClaim(contactId, claim.eventId);
        if (taken) throw new EventIdTaken(taken);
      }
      if (refused(claim ? 3 : 2)) throw new DecisionTaken(contactId);
      // The same event delivered twice (a retried request) is stored once.
      if (refused(1)) return true;
      throw error;
    }
  }

  /** Oldest first: events are applied in the order they happened. */
  async pendingEvents(contactId: string, limit = maxEventsPerStep): Promise<IncomingEvent[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
        ExpressionAttributeValues: { ':pk': contactPk(contactId), ':event': eventPrefix },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return Items.map(({ pk: _pk, sk: _sk, ...event }) => event as IncomingEvent);
  }

  async removeEvents(contactId: string, events: IncomingEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 25) {
      await documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.tableName]: events.slice(i, i + 25).map((event) => ({
              DeleteRequest: { Key: eventKey(contactId, event) },
            })),
          },
        }),
      );
    }
  }

  /**
   * The waiting task's token, if one waits, and the journey's generation (its execution), once
   * the journey has taken a step.
   */
  async waiting(contactId: string): Promise<{ taskToken?: string; generation?: number } | undefined> {
    const { Item } = await documentClient.send(
      new GetCommand({
        TableName: this.tableName,
        Key: contactKey(contactId),
        ProjectionExpression: 'taskToken, journey.generation',
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const generation = (Item.journey as { generation?: number } | undefined)?.generation;
    return {
      ...(typeof Item.taskToken === 'string' ? { taskToken: Item.taskToken } : {}),
      ...(generation === undefined ? {} : { generation }),
    };
  }

  /**
   * Parks the waiting task's token; with `stall`, also marks the journey stalled (when, and the
   * error) and counts the stall. The next successful step clears the mark; the count stays.
   * False when the contact is gone or being erased: no token is parked for an erasure to miss.
   */
  async storeTaskToken(
    contactId: string,
    taskToken: string,
    stall?: { error: string; cause: string },
    now: Date = new Date(),
  ): Promise<boolean> {
    try {
      await documentClient.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: contactKey(contactId),
          UpdateExpression: stall
            ? 'SET taskToken = :token, stalled = :stalled ADD stalledCount :one'
            : 'SET taskToken = :token',
          ConditionExpression: liveContact,
          ExpressionAttributeValues: {
            ':token': taskToken,
            ...(stall ? { ':stalled': { ...stall, at: now.toISOString() }, ':one': 1 } : {}),
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /**
   * Saves where the step left the contact and consumes the events it applied, in one
   * transaction: an event is either applied and gone, or still waiting for the next step. The
   * waiting task's token is cleared; the next await stores its own. The bus events the step's
   * changes make go into the contact's outbox in the same transaction (a transactional outbox):
   * a change is saved with its events or not at all, and `outbox` finds them until they are put.
   */
  async saveStanding(
    contactId: string,
    standing: Standing,
    consumed: IncomingEvent[],
    now: Date,
    sources: readonly string[],
    outbox: readonly BusEvent[] = [],
    /** Milestones the step's changes reach first: counted with the contact's `reachedMilestone`. */
    reach?: SourceCounting,
  ): Promise<void> {
    // Holds only if the stage is still the one the step started from: an unsubscribe or a bounce
    // written meanwhile fails this step, and its retry starts from the new stage. Never once an
    // erasure has begun: its retry finds the contact gone and ends the journey.
    const fromStage = standing.changes[0]?.from ?? standing.stage;
    const counters = counterUpdates(
      this.tableName,
      contactId,
      counterDeltas(
        standing.changes.map(({ from, to }) => ({ from, to })),
        sources,
        now,
      ),
    );
    const write = new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: this.tableName,
            Key: contactKey(contactId),
            UpdateExpression:
              'SET stage = :stage, score = :score, scoreSignals = :signals, journey = :journey, updatedAt = :now, gsi1pk = :byStage, ' +
              'stageHistory = list_append(if_not_exists(stageHistory, :none), :changes)' +
              // The by-stage index sorts by when the contact entered its stage: the sales queue's order.
              (standing.changes.length > 0 ? ', gsi1sk = :now' : '') +
              (standing.buyingStage ? ', buyingStage = :buyingStage' : '') +
              (reach ? ', reachedMilestone = :reached' : '') +
              // A step that got this far has recovered from any stall.
              ' REMOVE taskToken, stalled',
            ConditionExpression: `stage = :fromStage AND ${liveContact}`,
            ExpressionAttributeValues: {
              ':fromStage': fromStage,
              ':stage': standing.stage,
              ':score': standing.score,
              ':signals': standing.scoreSignals,
              ':journey': standing.journey,
              ':now': now.toISOString(),
              ':byStage': byStagePk(standing.stage),
              ':none': [],
              ':changes': standing.changes,
              ...(standing.buyingStage ? { ':buyingStage': standing.buyingStage } : {}),
              ...(reach ? { ':reached': reach.reached } : {}),
            },
          },
        },
        ...consumed.map((event) => ({
          Delete: {
            TableName: this.tableName,
            Key: eventKey(contactId, event),
          },
        })),
        ...counters,
        ...(reach ? sourceCounterUpdates(this.tableName, contactId, reach) : []),
        ...outbox.map((event) => outboxPut(this.tableName, contactId, event)),
      ],
    });
    // A concurrent write to a shared counter cancels the transaction; it is safe to repeat.
    for (let attempt = 0; ; attempt++) {
      try {
        await documentClient.send(write);
        return;
      } catch (error) {
        const conflicted =
          error instanceof TransactionCanceledException &&
          error.CancellationReasons?.some((reason) => reason.Code === 'TransactionConflict');
        if (!conflicted || attempt >= 5) throw error;
        await new Promise((wait) => setTimeout(wait, Math.random() * 20 * 2 ** attempt));
      }
    }
  }

  /** Bus events saved with a stage change and not yet put, oldest first. */
  async outbox(contactId: string): Promise<BusEvent[]> {
    const { Items = [] } = await documentClient.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :outbox)',
        ExpressionAttributeValues: { ':pk': contactPk(contactId), ':outbox': outboxPrefix },
        ConsistentRead: true,
      }),
    );
    return Items.map((item) => item.event as BusEvent);
  }

  /** Takes events that are on the bus out of the outbox. */
  async clearOutbox(contactId: string, events: readonly BusEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += 25) {
      await documentClient.send(
        new BatchWriteCommand({
          RequestItems: {
            [this.tableName]: events
              .slice(i, i + 25)
              .map((event) => ({ DeleteRequest: { Key: outboxKey(contactId, event) } })),
          },
        }),
      );
    }
  }
}
