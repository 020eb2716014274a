import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../local/clock.js';
import { type EventBridgeEndpoint, startEventBridgeEndpoint } from '../../local/eventbridge-endpoint.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-eventbridge-'));
const clock = new VirtualClock({ mode: 'manual' });
let bus: EventBridgeEndpoint;
let client: EventBridgeClient;

const start = async () => {
  bus = await startEventBridgeEndpoint({ dataDir, clock });
  client = new EventBridgeClient({
    endpoint: bus.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
};

beforeAll(start);
afterAll(async () => {
  client.destroy();
  await bus.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the local EventBridge endpoint', () => {
  it('takes PutEvents from the real client, answers per entry, and keeps the events across a restart', async () => {
    const at = new Date('2026-03-01T10:00:00.000Z');
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'leadflow',
            Source: 'leadflow.contact',
            DetailType: 'Contact Erased',
            Detail: JSON.stringify({ contactId: 'c1' }),
            Time: at,
          },
          { EventBusName: 'leadflow', Source: 'leadflow.contact', DetailType: 'Broken', Detail: '{nope' },
        ],
      }),
    );
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.Entries?.[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });

    await bus.stop();
    await start();
    expect(await bus.events()).toEqual([
      {
        id: answer.Entries?.[0]?.EventId,
        eventBusName: 'leadflow',
        source: 'leadflow.contact',
        detailType: 'Contact Erased',
        detail: { contactId: 'c1' },
        time: at.toISOString(),
        resources: [],
      },
    ]);
  });

  it('refuses more than ten entries a call, as EventBridge does', async () => {
    const entry = { Source: 'leadflow.contact', DetailType: 'Contact Erased', Detail: '{}' };
    await expect(
      client.send(new PutEventsCommand({ Entries: Array.from({ length: 11 }, () => entry) })),
    ).rejects.toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
  });
});
