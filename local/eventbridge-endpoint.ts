import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Clock } from '../functions/adapters/clock.js';
import { refusedForeignCaller } from './loopback-only.js';
import { readBody } from './request-body.js';

/**
 * A loopback stand-in for Amazon EventBridge, for the one call Leadflow makes: `PutEvents`
 * (AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`), validated and answered the way EventBridge
 * does, per entry, so any EventBridge client works against it. Accepted events are appended to
 * `<dataDir>/events/events.jsonl` before the call answers, so a restart keeps them; no rules run.
 */
export interface PutEvent {
  id: string;
  eventBusName: string;
  source: string;
  detailType: string;
  /** Parsed from the entry's JSON. */
  detail: unknown;
  /** The entry's `Time`, else the clock's when it was put. */
  time: string;
  resources: string[];
}

export interface EventBridgeEndpoint {
  endpoint: string;
  /** Every event put, oldest first. */
  events(): Promise<PutEvent[]>;
  stop(): Promise<void>;
}

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
  Time?: unknown;
  Resources?: unknown;
}

type EntryResult = { EventId: string } | { ErrorCode: string; ErrorMessage: string };

/** EventBridge's limits: ten entries a call, 256 KB a call. */
const maxEntries = 10;
const maxRequestBytes = 256 * 1024;

class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const invalid = (message: string) => ({ ErrorCode: 'InvalidArgument', ErrorMessage: message });

/** The JSON protocol sends `Time` as epoch seconds; ISO strings are taken too. */
const timeOf = (value: unknown, now: Date): string | undefined => {
  if (value === undefined) return now.toISOString();
  const date = typeof value === 'number' ? new Date(value * 1000) : new Date(String(value));
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

export const startEventBridgeEndpoint = async (options: {
  dataDir: string;
  clock: Clock;
}): Promise<EventBridgeEndpoint> => {
  const dir = join(resolve(options.dataDir), 'events');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'events.jsonl');

  const putEntry = (entry: Entry): EntryResult => {
    const { Source, DetailType, Detail } = entry;
    if (typeof Source !== 'string' || Source === '') return invalid('Parameter Source is not valid.');
    if (typeof DetailType !== 'string' || DetailType === '')
      return invalid('Parameter DetailType is not valid.');
    if (typeof Detail !== 'string') return invalid('Parameter Detail is not valid.');
    let detail: unknown;
    try {
      detail = JSON.parse(Detail);
    } catch {
      detail = undefined;
    }
    if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) {
      return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
    }
    const time = timeOf(entry.Time, options.clock.now());
    if (!time) return invalid('Parameter Time is not valid.');
    const resources = Array.isArray(entry.Resources) ? entry.Resources.map(String) : [];
    const event: PutEvent = {
      id: randomUUID(),
      eventBusName:
        typeof entry.EventBusName === 'string' && entry.EventBusName ? entry.EventBusName : 'default',
      source: Source,
      detailType: DetailType,
      detail,
      time,
      resources,
    };
    // Synchronous, so lines land whole and in put order.
    appendFileSync(file, `${JSON.stringify(event)}\n`);
    return { EventId: event.id };
  };

  const putEvents = (body: Buffer) => {
    let request: { Entries?: unknown };
    try {
      request = JSON.parse(body.toString('utf8') || '{}') as typeof request;
    } catch {
      throw new ServiceError(400, 'SerializationException', 'The request body is not valid JSON');
    }
    const entries = request.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > maxEntries) {
      throw new ServiceError(
        400,
        'ValidationException',
        `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and ${maxEntries}`,
      );
    }
    const results = entries.map((entry: unknown) =>
      typeof entry === 'object' && entry !== null ? putEntry(entry as Entry) : invalid('Entry is not valid.'),
    );
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (refusedForeignCaller(request, response, 'EventBridge')) return;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': randomUUID(),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    try {
      const target = request.headers['x-amz-target'];
      if (request.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        throw new ServiceError(
          400,
          'UnknownOperationException',
          `The local EventBridge endpoint implements only PutEvents, not ${String(target ?? request.method)}`,
        );
      }
      reply(
        200,
        putEvents(
          await readBody(
            request,
            maxRequestBytes,
            () =>
              new ServiceError(
                413,
                'ValidationException',
                'Total size of the entries in the request is over the limit.',
              ),
          ),
        ),
      );
    } catch (error) {
      const failure =
        error instanceof ServiceError ? error : new ServiceError(500, 'InternalException', String(error));
      if (failure.status === 500) console.error('Local EventBridge failed:', error);
      reply(
        failure.status,
        { __type: failure.type, message: failure.message },
        { 'x-amzn-errortype': failure.type },
      );
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    events: async () =>
      (await readFile(file, 'utf8').catch(() => ''))
        .split('\n')
        .filter((line) => line.trim() !== '')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as PutEvent];
          } catch {
            return []; // cut short by a kill: its call was never answered
          }
        }),
    stop: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
};
