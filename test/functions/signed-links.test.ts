import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRepository } from '../../functions/adapters/contact-repository.js';
import type { JourneyRepository } from '../../functions/adapters/journey-repository.js';
import type { sendMarketingEmail as SendMarketingEmail } from '../../functions/adapters/mailer.js';
import { signUnsubscribeToken } from '../../functions/domain/link-token.js';
import type { HttpResult } from '../../functions/http/responses.js';
import { type MailFixture, startMailFixture } from '../support/mail-fixture.js';

let handler: (event: APIGatewayProxyEventV2) => Promise<HttpResult>;
let fixture: MailFixture;
let contacts: ContactRepository;
let journeys: JourneyRepository;
let sendMarketingEmail: typeof SendMarketingEmail;
let secret: Buffer;

beforeAll(async () => {
  fixture = await startMailFixture('unsubscribe');
  ({ contacts, journeys, sendMarketingEmail } = fixture);
  ({ handler } = await import('../../functions/signed-links/handler.js'));
  const { deploymentSecret } = await import('../../functions/adapters/secrets.js');
  secret = await deploymentSecret();
});

afterAll(async () => {
  await fixture?.stop();
});

const createContact = (email?: string) => fixture.createContact(email);

const request = (
  method: 'GET' | 'POST',
  token: string | undefined,
  options: { accept?: string; body?: string } = {},
): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: `${method} /v1/unsubscribe`,
  rawPath: '/v1/unsubscribe',
  rawQueryString: token === undefined ? '' : `t=${encodeURIComponent(token)}`,
  headers: {
    accept: options.accept ?? '*/*',
    ...(options.body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
  },
  ...(token === undefined ? {} : { queryStringParameters: { t: token } }),
  requestContext: {
    accountId: '000000000000',
    apiId: 'local',
    domainName: '127.0.0.1',
    domainPrefix: 'local',
    http: { method, path: '/v1/unsubscribe', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
    requestId: randomUUID(),
    routeKey: `${method} /v1/unsubscribe`,
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  },
  isBase64Encoded: false,
  ...(options.body === undefined ? {} : { body: options.body }),
});

const oneClick = { body: 'List-Unsubscribe=One-Click' };

describe('unsubscribe handler', () => {
  it('shows a confirmation page on GET and changes nothing', async () => {
    const contactId = await createContact('jane.doe@example.com');
    const before = await contacts.getContact(contactId);
    const token = signUnsubscribeToken(contactId, secret);
    const response = await handler(request('GET', token, { accept: 'text/html' }));
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toMatch(/^text\/html/);
    expect(response.headers?.['referrer-policy']).toBe('no-referrer');
    expect(response.body).toContain('j***@example.com');
    expect(response.body).not.toContain('jane.doe@example.com');
    expect(response.body).toContain(`<form method="post" action="?t=${token}">`);
    expect(await contacts.getContact(contactId)).toEqual(before);
    expect(await journeys.pendingEvents(contactId)).toEqual([]);
  });

  it('refuses a forged token with 400 and leaves the contact as it was', async () => {
    const contactId = await createContact();
    const before = await contacts.getContact(contactId);
    const [encoded] = signUnsubscribeToken(contactId, secret).split('.');
    const forged = `${encoded}.${signUnsubscribeToken(contactId, Buffer.alloc(32)).split('.')[1]}`;
    const response = await handler(request('POST', forged, oneClick));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '')).toEqual({
      error: {
        code: 'invalid_token',
        message: expect.any(String),
        issues: [{ path: 't', message: 'is not a valid unsubscribe token' }],
      },
    });
    expect(await contacts.getContact(contactId)).toEqual(before);
    expect(await journeys.pendingEvents(contactId)).toEqual([]);

    const page = await handler(request('GET', forged, { accept: 'text/html,application/xhtml+xml' }));
    expect(page.statusCode).toBe(400);
    expect(page.headers?.['content-type']).toMatch(/^text\/html/);
  });

  it('refuses a missing token', async () => {
    const response = await handler(request('POST', undefined, oneClick));
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').error.issues).toEqual([{ path: 't', message: 'is required' }]);
  });

  it('unsubscribes on the one-click POST, tells the journey, and is idempotent', async () => {
    const contactId = await createContact();
    const token = signUnsubscribeToken(contactId, secret);
    const response = await handler(request('POST', token, oneClick));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ unsubscribed: true, contactId });

    const contact = await contacts.getContact(contactId);
    expect(contact).toMatchObject({ stage: 'unsubscribed', consent: { marketing: false } });
    expect(contact?.stageHistory).toEqual([
      { from: 'name', to: 'unsubscribed', at: expect.any(String), reason: 'unsubscribed' },
    ]);
    const events = await journeys.pendingEvents(contactId);
    expect(events.map((e) => e.type)).toEqual(['unsubscribed']);

    const again = await handler(request('POST', token, {}));
    expect(again.statusCode).toBe(200);
    expect(await contacts.getContact(contactId)).toEqual(contact);
    expect(await journeys.pendingEvents(contactId)).toEqual(events);
  });

  it('answers a browser with a page', async () => {
    const contactId = await createContact('bob@example.com');
    const response = await handler(
      request('POST', signUnsubscribeToken(contactId, secret), {
        accept: 'text/html',
        body: 'List-Unsubscribe=One-Click',
      }),
    );
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('You are unsubscribed');
    expect(response.body).toContain('b***@example.com');
  });

  it('answers an erased contact as unsubscribed and writes nothing', async () => {
    const contactId = randomUUID();
    const response = await handler(request('POST', signUnsubscribeToken(contactId, secret), oneClick));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ unsubscribed: true, contactId });
    expect(await contacts.getContact(contactId)).toBeUndefined();
    expect(await journeys.pendingEvents(contactId)).toEqual([]);
  });

  it('works with the link of a real email sent through the mailer', async () => {
    const contactId = await createContact('carol@example.com');
    const { messageId } = await sendMarketingEmail({
      contactId,
      round: 1,
      to: 'carol@example.com',
      track: 'nurture',
      step: 'welcome',
      templateId: 'welcome',
      firstName: 'Carol',
      offer: { type: 'white_paper', id: 'pipeline-report-2027' },
    });
    const entry = (await fixture.outbox()).find((e) => e.messageId === messageId);
    expect(entry).toMatchObject({ contactId, track: 'nurture', step: 'welcome', to: 'carol@example.com' });
    const mail = await simpleParser(await readFile(entry?.path ?? ''));
    expect(mail.text).toContain('Hi Carol,');
    const header = mail.headerLines.find((h) => h.key === 'list-unsubscribe')?.line ?? '';
    const link = /<(http[^>]+)>/.exec(header)?.[1] ?? '';
    expect(link).toMatch(/^http:\/\/127\.0\.0\.1:3000\/v1\/unsubscribe\?t=/);
    expect(mail.text).toContain(link);

    const token = new URL(link).searchParams.get('t') ?? '';
    expect((await handler(request('POST', token, oneClick))).statusCode).toBe(200);
    expect(await contacts.getContact(contactId)).toMatchObject({ stage: 'unsubscribed' });
  });
});
