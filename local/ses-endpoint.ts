import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { SNSEvent } from 'aws-lambda';
import { type AddressObject, simpleParser } from 'mailparser';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { Clock } from '../functions/adapters/clock.js';
import { writeFileDurably } from './durable-file.js';
import { refusedForeignCaller } from './loopback-only.js';
import { readBody } from './request-body.js';

/**
 * A loopback stand-in for Amazon SES v2, for the one call Leadflow makes: `SendEmail`
 * (`POST /v2/email/outbound-emails`), Raw or Simple content, answered and failed the way SES
 * does, so any SES v2 client works against it. Each message is written as a real `.eml` file
 * under `<dataDir>/outbox/`, with an index that survives restarts, both before SES answers; a
 * kill between the two is mended at the next start, from the entry every `.eml` carries in its
 * first header. Like SES's mailbox simulator,
 * `bounce@simulator.amazonses.com` hard-bounces and `complaint@simulator.amazonses.com`
 * complains; every send publishes SES events (Send, then Delivery / Bounce / Complaint) shaped
 * as SES event publishing writes them, as if the configuration set routed them to `onEvent`.
 */
export interface OutboxEntry {
  messageId: string;
  /** The To addresses, comma-separated. */
  to: string;
  from: string;
  subject: string;
  track: string | null;
  /** The `step` tag: a number when it is one. */
  step: string | number | null;
  contactId: string | null;
  /** Virtual-clock time of the send. */
  sentAt: string;
  /** Absolute path of the `.eml` file. */
  path: string;
}

export interface SesMail {
  timestamp: string;
  source: string;
  sourceArn: string;
  sendingAccountId: string;
  messageId: string;
  destination: string[];
  headersTruncated: boolean;
  headers: { name: string; value: string }[];
  commonHeaders: { from: string[]; to: string[]; messageId: string; subject: string };
  tags: Record<string, string[]>;
}

export type SesEvent =
  | { eventType: 'Send'; mail: SesMail; send: Record<string, never> }
  | {
      eventType: 'Delivery';
      mail: SesMail;
      delivery: {
        timestamp: string;
        processingTimeMillis: number;
        recipients: string[];
        smtpResponse: string;
        reportingMTA: string;
      };
    }
  | {
      eventType: 'Bounce';
      mail: SesMail;
      bounce: {
        feedbackId: string;
        bounceType: 'Permanent';
        bounceSubType: 'General';
        bouncedRecipients: { emailAddress: string; action: string; status: string; diagnosticCode: string }[];
        timestamp: string;
        reportingMTA: string;
      };
    }
  | {
      eventType: 'Complaint';
      mail: SesMail;
      complaint: {
        feedbackId: string;
        complainedRecipients: { emailAddress: string }[];
        timestamp: string;
        userAgent: string;
        complaintFeedbackType: 'abuse';
        arrivalDate: string;
      };
    };

/** How SES refuses a send while an account is throttled or paused. */
export type SesRefusal = 'TooManyRequestsException' | 'SendingPausedException';
export const sesRefusals: readonly SesRefusal[] = ['TooManyRequestsException', 'SendingPausedException'];

export interface SesEndpointOptions {
  dataDir: string;
  clock: Clock;
  onEvent?: (event: SesEvent) => Promise<void>;
  /** Called once per message SES accepts (the usage meter counts them). */
  onSent?: () => void;
}

export interface SesEndpoint {
  endpoint: string;
  outbox(): Promise<OutboxEntry[]>;
  /** Refuses every send with `error` until the clock reads `until` (epoch ms); a later call replaces it. */
  refuse(error: SesRefusal, until: number): void;
  stop(): Promise<void>;
}

const accountId = '000000000000';
const region = 'us-east-1';
const bounceAddress = 'bounce@simulator.amazonses.com';
const complaintAddress = 'complaint@simulator.amazonses.com';
/** SES's own limit on a message is 40 MB; base64 in JSON makes the request about a third larger. */
const maxRequestBytes = 60 * 1024 * 1024;
const tagPattern = /^[A-Za-z0-9_-]{1,256}$/;

class SesError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const badRequest = (message: string) => new SesError(400, 'BadRequestException', message);

/** Status and message as SES v2 sends them, which the SDK turns into the exception of that name. */
const refusalErrors: Record<SesRefusal, () => SesError> = {
  TooManyRequestsException: () =>
    new SesError(429, 'TooManyRequestsException', 'Too many requests have been made to the operation.'),
  SendingPausedException: () =>
    new SesError(400, 'SendingPausedException', 'Email sending is paused for this account.'),
};

/** An outbox entry as the index keeps it: the file's name, not its path (the data dir may move). */
type Listed = Omit<OutboxEntry, 'path'>;
type IndexLine = Listed & { file: string };

/** Opens every `.eml`: the outbox entry it makes, so the index can be rebuilt from the files alone. */
const entryHeader = 'X-Leadflow-Outbox';

/** JSON on one 7-bit header line: everything outside printable ASCII (CR and LF too) escaped. */
const entryHeaderLine = (entry: Listed) =>
  `${entryHeader}: ${JSON.stringify(entry).replace(
    /[^\x20-\x7e]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )}\r\n`;

const entryOfEml = (eml: Buffer, file: string): IndexLine | undefined => {
  const firstLine = eml.subarray(0, eml.indexOf('\n')).toString('utf8').trimEnd();
  if (!firstLine.startsWith(`${entryHeader}: `)) return undefined;
  try {
    return { ...(JSON.parse(firstLine.slice(entryHeader.length + 2)) as Listed), file };
  } catch {
    return undefined;
  }
};

const indexLines = (text: string): IndexLine[] =>
  text.split('\n').flatMap((line): IndexLine[] => {
    try {
      return [JSON.parse(line) as IndexLine];
    } catch {
      // A blank line, or a line cut short when the process was killed mid-write.
      return [];
    }
  });

/**
 * Mends what a kill left: a temp file half written, a line cut short, a `.eml` written whose
 * index line was not (its line comes back from its own header, in send order).
 */
const mendIndex = async (outboxDir: string, indexFile: string): Promise<void> => {
  const text = await readFile(indexFile, 'utf8').catch(() => '');
  const lines = indexLines(text);
  const indexed = new Set(lines.map((line) => line.file));
  const recovered: IndexLine[] = [];
  for (const name of await readdir(outboxDir)) {
    if (name.endsWith('.tmp')) await rm(join(outboxDir, name), { force: true });
    else if (name.endsWith('.eml') && !indexed.has(name)) {
      const line = entryOfEml(await readFile(join(outboxDir, name)), name);
      if (line) recovered.push(line);
      else console.warn(`Local SES: ${name} has no ${entryHeader} header, so the outbox cannot list it`);
    }
  }
  const whole =
    text.split('\n').filter(Boolean).length === lines.length && (text === '' || text.endsWith('\n'));
  if (whole && recovered.length === 0) return;
  recovered.sort((a, b) => a.sentAt.localeCompare(b.sentAt) || a.messageId.localeCompare(b.messageId));
  writeFileDurably(indexFile, [...lines, ...recovered].map((line) => `${JSON.stringify(line)}\n`).join(''));
};

interface SendEmailRequest {
  FromEmailAddress?: string;
  Destination?: { ToAddresses?: string[]; CcAddresses?: string[]; BccAddresses?: string[] };
  ReplyToAddresses?: string[];
  Content?: {
    Raw?: { Data?: string };
    Simple?: {
      Subject?: { Data?: string };
      Body?: { Text?: { Data?: string }; Html?: { Data?: string } };
      Headers?: { Name: string; Value: string }[];
    };
    Template?: unknown;
  };
  EmailTags?: { Name?: string; Value?: string }[];
  ConfigurationSetName?: string;
}

interface Composed {
  raw: Buffer;
  from: string;
  to: string[];
  recipients: string[];
  subject: string;
}

/** Bare addresses from header-style lists (`Jane <jane@example.com>, bob@example.com`). */
const bareAddresses = (values: readonly string[] | undefined): string[] =>
  (values ?? [])
    .flatMap((value) => addressparser(value, { flatten: true }).map((a) => a.address))
    .filter(Boolean);

const parsedAddresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((object) =>
    object.value.flatMap((entry) => (entry.address ? [entry.address] : [])),
  );

const fromRaw = async (request: SendEmailRequest, data: string): Promise<Composed> => {
  const raw = Buffer.from(data, 'base64');
  if (raw.length === 0) throw badRequest('Content.Raw.Data must be a base64-encoded MIME message');
  const parsed = await simpleParser(raw, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const destination = request.Destination;
  const to = destination ? bareAddresses(destination.ToAddresses) : parsedAddresses(parsed.to);
  const recipients = destination
    ? bareAddresses([
        ...(destination.ToAddresses ?? []),
        ...(destination.CcAddresses ?? []),
        ...(destination.BccAddresses ?? []),
      ])
    : [...to, ...parsedAddresses(parsed.cc), ...parsedAddresses(parsed.bcc)];
  const from = request.FromEmailAddress ?? parsed.from?.text;
  if (!from) throw badRequest('Missing FromEmailAddress (and the raw message has no From header)');
  return { raw, from, to, recipients, subject: parsed.subject ?? '' };
};

const fromSimple = async (
  request: SendEmailRequest,
  simple: NonNullable<NonNullable<SendEmailRequest['Content']>['Simple']>,
  messageId: string,
  date: Date,
): Promise<Composed> => {
  const from = request.FromEmailAddress;
  if (!from) throw badRequest('Missing required parameter FromEmailAddress');
  const destination = request.Destination ?? {};
  const to = destination.ToAddresses ?? [];
  const recipients = bareAddresses([
    ...to,
    ...(destination.CcAddresses ?? []),
    ...(destination.BccAddresses ?? []),
  ]);
  if (recipients.length === 0)
    throw badRequest('Missing required parameter Destination: give at least one address');
  const subject = simple.Subject?.Data;
  if (subject === undefined) throw badRequest('Missing required parameter Content.Simple.Subject');
  const text = simple.Body?.Text?.Data;
  const html = simple.Body?.Html?.Data;
  if (text === undefined && html === undefined) {
    throw badRequest('Missing required parameter Content.Simple.Body: give Text, Html or both');
  }
  const raw = await new MailComposer({
    from,
    to,
    cc: destination.CcAddresses ?? [],
    replyTo: request.ReplyToAddresses ?? [],
    subject,
    ...(text === undefined ? {} : { text }),
    ...(html === undefined ? {} : { html }),
    headers: Object.fromEntries((simple.Headers ?? []).map((header) => [header.Name, header.Value])),
    messageId: `<${messageId}@email.amazonses.com>`,
    date,
  })
    .compile()
    .build();
  return { raw, from, to: bareAddresses(to), recipients, subject };
};

const tagsOf = (request: SendEmailRequest): Record<string, string> => {
  const tags: Record<string, string> = {};
  for (const { Name, Value } of request.EmailTags ?? []) {
    if (!Name || !tagPattern.test(Name) || Value === undefined || !tagPattern.test(Value)) {
      throw badRequest(
        `Invalid EmailTag ${JSON.stringify({ Name, Value })}: names and values may contain only ASCII letters, digits, _ and -`,
      );
    }
    tags[Name] = Value;
  }
  return tags;
};

interface JournaledEvents {
  messageId: string;
  /** The message's .eml in the outbox. */
  file: string;
  events: SesEvent[];
}

/** The journal's messages whose events were never all handled, in send order. */
const unfinishedEvents = async (journalFile: string): Promise<JournaledEvents[]> => {
  const pending = new Map<string, JournaledEvents>();
  for (const line of (await readFile(journalFile, 'utf8').catch(() => '')).split('\n')) {
    let record: Partial<JournaledEvents> & { done?: string };
    try {
      record = JSON.parse(line) as typeof record;
    } catch {
      continue; // empty, or cut short by a kill: its message was never answered
    }
    if (record.done) pending.delete(record.done);
    else if (record.messageId && record.file && Array.isArray(record.events)) {
      pending.set(record.messageId, {
        messageId: record.messageId,
        file: record.file,
        events: record.events,
      });
    }
  }
  return [...pending.values()];
};

/** SES-style message ids: time-ordered hex, a UUID, a suffix. */
const newMessageId = (now: Date) => `${now.getTime().toString(16).padStart(16, '0')}-${randomUUID()}-000000`;

export const startSesEndpoint = async (options: SesEndpointOptions): Promise<SesEndpoint> => {
  const outboxDir = join(resolve(options.dataDir), 'outbox');
  const indexFile = join(outboxDir, 'index.jsonl');
  await mkdir(outboxDir, { recursive: true });
  await mendIndex(outboxDir, indexFile);
  const emissions = new Set<Promise<void>>();
  let refusal: { error: SesRefusal; until: number } | undefined;
  // SES's events reach their handler at least once, as SNS delivers them: each message's events
  // are journaled before its .eml is written and marked done once handled, and a start
  // re-delivers what a killed runtime never finished (a lost `Send` event would have a step email
  // resent) — for messages that exist: one killed before its .eml was never sent.
  const journalFile = join(outboxDir, 'events.jsonl');
  const unfinished = (await unfinishedEvents(journalFile)).filter(({ file }) =>
    existsSync(join(outboxDir, file)),
  );
  writeFileDurably(journalFile, unfinished.map((line) => `${JSON.stringify(line)}\n`).join(''));

  const sendEmail = async (request: SendEmailRequest): Promise<JournaledEvents> => {
    const content = request.Content;
    if (content?.Template) throw badRequest('Template content is not supported by the local SES endpoint');
    const tags = tagsOf(request);
    const now = options.clock.now();
    const messageId = newMessageId(now);
    let composed: Composed;
    if (content?.Raw) {
      if (!content.Raw.Data) throw badRequest('Missing required parameter Content.Raw.Data');
      composed = await fromRaw(request, content.Raw.Data);
    } else if (content?.Simple) {
      composed = await fromSimple(request, content.Simple, messageId, now);
    } else {
      throw badRequest('Missing required parameter Content: give Simple or Raw');
    }
    if (composed.recipients.length === 0) throw badRequest('Missing final destination: no recipients');

    const sentAt = now.toISOString();
    const file = `${sentAt.replace(/:/g, '-')}-${messageId}.eml`;
    const entry: Listed = {
      messageId,
      to: composed.to.join(', '),
      from: composed.from,
      subject: composed.subject,
      track: tags.track ?? null,
      step: tags.step === undefined ? null : /^\d+$/.test(tags.step) ? Number(tags.step) : tags.step,
      contactId: tags.contactId ?? null,
      sentAt,
    };
    // Synchronous, so lines land whole and in send order: the events, then the .eml, then its
    // index line, so a kill at any point leaves nothing the next start cannot mend.
    const events = eventsFor(composed, messageId, sentAt, tags, request.ConfigurationSetName);
    appendFileSync(journalFile, `${JSON.stringify({ messageId, file, events })}\n`);
    writeFileDurably(
      join(outboxDir, file),
      Buffer.concat([Buffer.from(entryHeaderLine(entry)), composed.raw]),
    );
    appendFileSync(indexFile, `${JSON.stringify({ ...entry, file })}\n`);
    options.onSent?.();
    return { messageId, file, events };
  };

  const eventsFor = (
    composed: Composed,
    messageId: string,
    sentAt: string,
    tags: Record<string, string>,
    configurationSet: string | undefined,
  ): SesEvent[] => {
    const fromAddress = bareAddresses([composed.from])[0] ?? composed.from;
    const fromDomain = fromAddress.split('@')[1] ?? '';
    const mail: SesMail = {
      timestamp: sentAt,
      source: composed.from,
      sourceArn: `arn:aws:ses:${region}:${accountId}:identity/${fromDomain}`,
      sendingAccountId: accountId,
      messageId,
      destination: composed.recipients,
      headersTruncated: false,
      headers: [
        { name: 'From', value: composed.from },
        { name: 'To', value: composed.to.join(', ') },
        { name: 'Subject', value: composed.subject },
      ],
      commonHeaders: { from: [composed.from], to: composed.to, messageId, subject: composed.subject },
      tags: {
        ...(configurationSet ? { 'ses:configuration-set': [configurationSet] } : {}),
        'ses:source-ip': ['127.0.0.1'],
        'ses:from-domain': [fromDomain],
        'ses:caller-identity': ['local'],
        ...Object.fromEntries(Object.entries(tags).map(([name, value]) => [name, [value]])),
      },
    };
    const at = () => options.clock.now().toISOString();
    const lower = composed.recipients.map((address) => address.toLowerCase());
    const bounced = composed.recipients.filter((_, i) => lower[i] === bounceAddress);
    const delivered = composed.recipients.filter((_, i) => lower[i] !== bounceAddress);
    const complained = composed.recipients.filter((_, i) => lower[i] === complaintAddress);
    const events: SesEvent[] = [{ eventType: 'Send', mail, send: {} }];
    if (delivered.length > 0) {
      events.push({
        eventType: 'Delivery',
        mail,
        delivery: {
          timestamp: at(),
          processingTimeMillis: 0,
          recipients: delivered,
          smtpResponse: '250 2.6.0 Message received',
          reportingMTA: 'localhost',
        },
      });
    }
    if (bounced.length > 0) {
      events.push({
        eventType: 'Bounce',
        mail,
        bounce: {
          feedbackId: `${messageId}-bounce`,
          bounceType: 'Permanent',
          bounceSubType: 'General',
          bouncedRecipients: bounced.map((emailAddress) => ({
            emailAddress,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          })),
          timestamp: at(),
          reportingMTA: 'dns; localhost',
        },
      });
    }
    if (complained.length > 0) {
      events.push({
        eventType: 'Complaint',
        mail,
        complaint: {
          feedbackId: `${messageId}-complaint`,
          complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
          timestamp: at(),
          userAgent: 'Amazon SES Mailbox Simulator',
          complaintFeedbackType: 'abuse',
          arrivalDate: sentAt,
        },
      });
    }
    return events;
  };

  /** SES publishes events after it has answered, one after another. */
  const emit = ({ messageId, events }: JournaledEvents) => {
    const { onEvent } = options;
    if (!onEvent) return;
    const emission = (async () => {
      for (const event of events) {
        try {
          await onEvent(event);
        } catch (error) {
          console.error(`Local SES: handling the ${event.eventType} event failed:`, error);
        }
      }
      appendFileSync(journalFile, `${JSON.stringify({ done: messageId })}\n`);
    })();
    emissions.add(emission);
    void emission.finally(() => emissions.delete(emission));
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    if (refusedForeignCaller(request, response, 'SES')) return;
    const requestId = randomUUID();
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    try {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      if (request.method !== 'POST' || url.pathname !== '/v2/email/outbound-emails') {
        throw new SesError(
          404,
          'UnknownOperationException',
          `The local SES endpoint implements only SendEmail (POST /v2/email/outbound-emails), not ${request.method} ${url.pathname}`,
        );
      }
      const body = await readBody(request, maxRequestBytes, () =>
        badRequest('The message is larger than SES accepts'),
      );
      if (refusal && options.clock.now().getTime() < refusal.until) {
        throw refusalErrors[refusal.error]();
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}');
      } catch {
        throw badRequest('The request body is not valid JSON');
      }
      if (typeof parsed !== 'object' || parsed === null)
        throw badRequest('The request body must be a JSON object');
      const sent = await sendEmail(parsed as SendEmailRequest);
      reply(200, { MessageId: sent.messageId });
      setImmediate(() => emit(sent));
    } catch (error) {
      const failure =
        error instanceof SesError ? error : new SesError(500, 'InternalFailure', (error as Error).message);
      if (failure.status === 500) console.error('Local SES failed:', error);
      reply(failure.status, { message: failure.message }, { 'x-amzn-errortype': failure.type });
    }
  };

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  for (const pending of unfinished) emit(pending);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    outbox: async () =>
      indexLines(await readFile(indexFile, 'utf8').catch(() => '')).map(({ file, ...entry }) => ({
        ...entry,
        path: join(outboxDir, file),
      })),
    refuse: (error, until) => {
      refusal = { error, until };
    },
    stop: async () => {
      await new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      });
      await Promise.all(emissions);
    },
  };
};

/** An SES event as SNS hands it to a subscribed Lambda, for running the mail-events handler locally. */
export const toSnsEvent = (
  event: SesEvent,
  topicArn = `arn:aws:sns:${region}:${accountId}:leadflow-mail-events`,
): SNSEvent => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: `${topicArn}:${randomUUID()}`,
      Sns: {
        Type: 'Notification',
        MessageId: randomUUID(),
        TopicArn: topicArn,
        Subject: '',
        Message: JSON.stringify(event),
        Timestamp: event.mail.timestamp,
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: {},
      },
    },
  ],
});
