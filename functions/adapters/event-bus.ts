import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { requireEnv } from '../config/env.js';
import { type BusEvent, eventSource } from '../domain/bus-events.js';

/** One client per module load; the endpoint comes from AWS_ENDPOINT_URL_EVENTBRIDGE when set (locally). */
const client = new EventBridgeClient({});

/** PutEvents takes at most ten entries a call. */
const maxEntriesPerPut = 10;
/** Entries EventBridge refused (throttled, internal) are put again this many times before failing. */
const maxAttempts = 4;

const entryOf = (event: BusEvent, busName: string): PutEventsRequestEntry => ({
  EventBusName: busName,
  Source: eventSource,
  DetailType: event.detailType,
  Detail: JSON.stringify(event.detail),
  Time: new Date(event.detail.at),
  Resources: [],
});

/**
 * Puts events on the bus `EVENT_BUS_NAME` names. A call can succeed while some of its entries
 * fail (`FailedEntryCount`): those, and only those, are put again with a back-off; what still
 * fails throws, so the caller's retry puts them again (consumers dedupe on `detail.eventId`).
 */
export const putEvents = async (events: readonly BusEvent[]): Promise<void> => {
  if (events.length === 0) return;
  const busName = requireEnv('EVENT_BUS_NAME');
  for (let i = 0; i < events.length; i += maxEntriesPerPut) {
    let entries = events.slice(i, i + maxEntriesPerPut).map((event) => entryOf(event, busName));
    for (let attempt = 1; ; attempt++) {
      const { FailedEntryCount = 0, Entries = [] } = await client.send(
        new PutEventsCommand({ Entries: entries }),
      );
      if (FailedEntryCount === 0) break;
      // Results come back in the order of the entries; a failed one has an ErrorCode.
      const failed = entries.filter((_, index) => Entries[index]?.ErrorCode !== undefined);
      if (attempt >= maxAttempts) {
        const codes = [...new Set(Entries.flatMap((entry) => entry.ErrorCode ?? []))].join(', ');
        throw new Error(`EventBridge refused ${failed.length} of the events (${codes})`);
      }
      entries = failed;
      await new Promise((wait) => setTimeout(wait, 50 * 2 ** attempt));
    }
  }
};
