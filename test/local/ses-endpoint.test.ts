import { mkdtempSync, rmSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  SendingPausedException,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { type ParsedMail, simpleParser } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unsubscribeHeaders } from '../../functions/adapters/mailer.js';
import { renderTemplate, templateScope } from '../../functions/domain/email-template.js';
import { seedTemplates } from '../../functions/domain/template-seeds.js';
import { VirtualClock } from '../../local/clock.js';
import { type SesEndpoint, type SesEvent, startSesEndpoint } from '../../local/ses-endpoint.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-ses-'));
const clock = new VirtualClock({ mode: 'manual' });
const events: SesEvent[] = [];
let ses: SesEndpoint;
let client: SESv2Client;

const from = 'Leadflow Demo <hello@example.com>';
const postalAddress = 'Leadflow Demo Inc., 100 Main Street, Springfield, OR 97477, USA';
const unsubscribeUrl = 'https://api.example.com/v1/unsubscribe?t=abc.def';
const tags = (contactId: string, step: string) => [
  { Name: 'contactId', Value: contactId },
  { Name: 'track', Value: 'nurture' },
  { Name: 'step', Value: step },
];

const start = async () => {
  ses = await startSesEndpoint({ dataDir, clock, onEvent: async (event) => void events.push(event) });
  client = new SESv2Client({
    endpoint: ses.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
};

const sendRaw = async (to: string, contactId: string, step = '1') => {
  const welcome = seedTemplates.get('welcome');
  if (!welcome) throw new Error('no welcome seed');
  const rendered = renderTemplate(
    welcome,
    templateScope({
      contact: { firstName: 'Jane' },
      settings: { senderName: 'Leadflow Demo', postalAddress, siteUrl: 'https://www.example.com' },
      links: { unsubscribe: unsubscribeUrl },
    }),
  );
  // A raw message, as another sender than ours would put it on the wire.
  const raw = await new MailComposer({
    ...rendered,
    from,
    to,
    messageId: '<test-1@example.com>',
    date: clock.now(),
    headers: unsubscribeHeaders(unsubscribeUrl, 'unsubscribe@example.com'),
  })
    .compile()
    .build();
  return client.send(
    new SendEmailCommand({
      FromEmailAddress: from,
      Destination: { ToAddresses: [to] },
      Content: { Raw: { Data: raw } },
      ConfigurationSetName: 'leadflow',
      EmailTags: tags(contactId, step),
    }),
  );
};

const parseEml = async (path: string): Promise<ParsedMail> => simpleParser(await readFile(path));
const headerLine = (mail: ParsedMail, name: string) => mail.headerLines.find((h) => h.key === name)?.line;

const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 100 && !predicate(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(predicate()).toBe(true);
};

beforeAll(start);

afterAll(async () => {
  client.destroy();
  await ses.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('local SES v2 endpoint', () => {
  it('takes a Raw message from the real SDK and writes it as a real .eml', async () => {
    const { MessageId } = await sendRaw('jane@example.com', 'contact-1', '1');
    expect(MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);

    const outbox = await ses.outbox();
    expect(outbox).toHaveLength(1);
    const [entry] = outbox;
    expect(entry).toMatchObject({
      messageId: MessageId,
      to: 'jane@example.com',
      from,
      subject: 'Welcome, Jane — thanks for getting in touch',
      track: 'nurture',
      step: 1,
      contactId: 'contact-1',
      sentAt: clock.now().toISOString(),
    });
    expect(entry?.path).toMatch(/outbox\/[0-9T.Z-]+-[0-9a-f-]+\.eml$/);

    const mail = await parseEml(entry?.path ?? '');
    expect(mail.subject).toBe('Welcome, Jane — thanks for getting in touch');
    expect(mail.from?.text).toBe('"Leadflow Demo" <hello@example.com>');
    expect(mail.text).toContain('Hi Jane,');
    expect(mail.text).toContain(postalAddress);
    expect(mail.text).toContain(`Unsubscribe [${unsubscribeUrl}]`);
    expect(mail.html).toContain(`href="${unsubscribeUrl}"`);
    expect(mail.messageId).toBe('<test-1@example.com>');
    expect(headerLine(mail, 'list-unsubscribe')?.replace(/\r?\n\s+/g, ' ')).toBe(
      `List-Unsubscribe: <${unsubscribeUrl}>, <mailto:unsubscribe@example.com?subject=unsubscribe>`,
    );
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
  });

  it('builds Simple content into MIME with both parts and its extra headers', async () => {
    clock.advance(60_000);
    const { MessageId } = await client.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: ['Bob Smith <bob@example.com>'] },
        Content: {
          Simple: {
            Subject: { Data: 'Hello Bob' },
            Body: { Text: { Data: `Plain hello\n\n${postalAddress}` }, Html: { Data: '<p>HTML hello</p>' } },
            Headers: [{ Name: 'List-Unsubscribe-Post', Value: 'List-Unsubscribe=One-Click' }],
          },
        },
        EmailTags: tags('contact-2', 'case-study'),
      }),
    );
    const outbox = await ses.outbox();
    expect(outbox.map((e) => e.messageId)).toEqual([outbox[0]?.messageId, MessageId]);
    const entry = outbox[1];
    expect(entry).toMatchObject({ to: 'bob@example.com', subject: 'Hello Bob', step: 'case-study' });
    expect(entry?.sentAt).toBe(clock.now().toISOString());

    const mail = await parseEml(entry?.path ?? '');
    expect(mail.text).toContain(postalAddress);
    expect(mail.html).toContain('<p>HTML hello</p>');
    expect(mail.messageId).toBe(`<${MessageId}@email.amazonses.com>`);
    expect(headerLine(mail, 'list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
  });

  it('answers a request missing its destination as SES does', async () => {
    const error = await client
      .send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } } },
        }),
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SESv2ServiceException);
    expect((error as SESv2ServiceException).name).toBe('BadRequestException');
    expect((error as SESv2ServiceException).$metadata.httpStatusCode).toBe(400);
    expect((error as Error).message).toMatch(/Destination/);
  });

  it('refuses tag values SES refuses', async () => {
    const error = await client
      .send(
        new SendEmailCommand({
          FromEmailAddress: from,
          Destination: { ToAddresses: ['jane@example.com'] },
          Content: { Simple: { Subject: { Data: 'x' }, Body: { Text: { Data: 'x' } } } },
          EmailTags: [{ Name: 'step', Value: 'step 3' }],
        }),
      )
      .catch((e: unknown) => e);
    expect((error as SESv2ServiceException).name).toBe('BadRequestException');
  });

  it('publishes Send and Delivery for every send, after answering', async () => {
    await waitFor(() => events.filter((e) => e.eventType === 'Delivery').length >= 2);
    const delivery = events.find((e) => e.eventType === 'Delivery');
    expect(delivery?.mail.tags).toMatchObject({
      contactId: ['contact-1'],
      track: ['nurture'],
      step: ['1'],
      'ses:configuration-set': ['leadflow'],
    });
    expect(events.filter((e) => e.eventType === 'Send')).toHaveLength(2);
  });

  it('hard-bounces the simulator bounce address like SES', async () => {
    const { MessageId } = await sendRaw('bounce@simulator.amazonses.com', 'contact-3');
    await waitFor(() => events.some((e) => e.eventType === 'Bounce'));
    const bounce = events.find((e) => e.eventType === 'Bounce');
    expect(bounce).toMatchObject({
      eventType: 'Bounce',
      mail: {
        messageId: MessageId,
        destination: ['bounce@simulator.amazonses.com'],
        tags: { contactId: ['contact-3'] },
      },
      bounce: {
        bounceType: 'Permanent',
        bouncedRecipients: [{ emailAddress: 'bounce@simulator.amazonses.com' }],
      },
    });
    expect(events.filter((e) => e.mail.messageId === MessageId).map((e) => e.eventType)).toEqual([
      'Send',
      'Bounce',
    ]);
  });

  it('has the simulator complaint address complain after delivery', async () => {
    const { MessageId } = await sendRaw('complaint@simulator.amazonses.com', 'contact-4');
    await waitFor(() => events.some((e) => e.eventType === 'Complaint'));
    expect(events.filter((e) => e.mail.messageId === MessageId).map((e) => e.eventType)).toEqual([
      'Send',
      'Delivery',
      'Complaint',
    ]);
  });

  it('still lists the outbox after a restart on the same data dir', async () => {
    const before = await ses.outbox();
    expect(before).toHaveLength(4);
    client.destroy();
    await ses.stop();
    await start();
    expect(await ses.outbox()).toEqual(before);
    await sendRaw('jane@example.com', 'contact-1', '2');
    const after = await ses.outbox();
    expect(after).toHaveLength(5);
    expect(after.at(-1)?.step).toBe(2);
  });

  it('mends the index at start when a kill cut it short or came between the .eml and its line', async () => {
    const before = await ses.outbox();
    client.destroy();
    await ses.stop();
    const indexFile = join(dataDir, 'outbox', 'index.jsonl');
    const lines = (await readFile(indexFile, 'utf8')).trimEnd().split('\n');
    const last = lines.pop() ?? '';
    // The last .eml was written, its line only half; a durable write left its temp file.
    await writeFile(indexFile, `${lines.join('\n')}\n${last.slice(0, 40)}`);
    await writeFile(join(dataDir, 'outbox', 'index.jsonl.tmp'), '{"half');

    await start();

    expect(await ses.outbox()).toEqual(before);
    expect((await readdir(join(dataDir, 'outbox'))).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await sendRaw('jane@example.com', 'contact-1', '3');
    expect((await ses.outbox()).map((entry) => entry.step)).toEqual([
      ...before.map((entry) => entry.step),
      3,
    ]);
  });
});

describe('local SES v2 endpoint told to refuse sends', () => {
  const hour = 3_600_000;

  it('throttles with TooManyRequestsException (429) until the clock passes the span', async () => {
    ses.refuse('TooManyRequestsException', clock.nowMs() + hour);

    const error = await sendRaw('jane@example.com', 'contact-5').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TooManyRequestsException);
    expect((error as TooManyRequestsException).name).toBe('TooManyRequestsException');
    expect((error as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    clock.advance(hour - 1);
    await expect(sendRaw('jane@example.com', 'contact-5')).rejects.toThrow(TooManyRequestsException);
    clock.advance(1);
    const { MessageId } = await sendRaw('jane@example.com', 'contact-5');
    expect((await ses.outbox()).at(-1)?.messageId).toBe(MessageId);
  });

  it('refuses with SendingPausedException (400) while the account is paused', async () => {
    ses.refuse('SendingPausedException', clock.nowMs() + hour);
    const sent = (await ses.outbox()).length;

    const error = await sendRaw('jane@example.com', 'contact-6').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SendingPausedException);
    expect((error as SendingPausedException).name).toBe('SendingPausedException');
    expect((error as SendingPausedException).$metadata.httpStatusCode).toBe(400);
    expect(await ses.outbox()).toHaveLength(sent);
    clock.advance(hour);
    await sendRaw('jane@example.com', 'contact-6');
    expect(await ses.outbox()).toHaveLength(sent + 1);
  });
});
