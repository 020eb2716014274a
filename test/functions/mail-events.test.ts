import type { SNSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContactRepository } from '../../functions/adapters/contact-repository.js';
import type { JourneyRepository } from '../../functions/adapters/journey-repository.js';
import type { sendMarketingEmail as SendMarketingEmail } from '../../functions/adapters/mailer.js';
import type { SendLedger } from '../../functions/adapters/send-ledger.js';
import { sentEmails } from '../../functions/domain/sent-email.js';
import { type SesEvent, toSnsEvent } from '../../local/ses-endpoint.js';
import { type MailFixture, startMailFixture } from '../support/mail-fixture.js';

const sesEvents: SesEvent[] = [];
let handler: (event: SNSEvent) => Promise<void>;
let fixture: MailFixture;
let contacts: ContactRepository;
let journeys: JourneyRepository;
let sendMarketingEmail: typeof SendMarketingEmail;
let ledger: SendLedger;

beforeAll(async () => {
  fixture = await startMailFixture('mail-events', async (event) => void sesEvents.push(event));
  ({ contacts, journeys, sendMarketingEmail } = fixture);
  ({ handler } = await import('../../functions/mail-events/handler.js'));
  const { SendLedger } = await import('../../functions/adapters/send-ledger.js');
  ledger = new SendLedger(String(process.env.TABLE_NAME));
});

afterAll(async () => {
  await fixture?.stop();
});

/** A fresh contact; its mail goes wherever a test sends it (the simulator addresses included). */
const createContact = () => fixture.createContact();

/** Sends a real email through the mailer and the local SES, and waits for SES's event of `type`. */
const sendAndAwait = async (contactId: string, to: string, type: SesEvent['eventType']) => {
  const { messageId } = await sendMarketingEmail({
    contactId,
    round: 1,
    to,
    track: 'nurture',
    step: 'case-study',
    templateId: 'nurture-case-study',
  });
  for (let i = 0; i < 100; i++) {
    const event = sesEvents.find((e) => e.mail.messageId === messageId && e.eventType === type);
    if (event) return event;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`No ${type} event for ${messageId}`);
};

/** A Click as SES publishes it for a tracked link in a delivered message. */
const clickOn = (delivery: SesEvent, link: string, timestamp: string) => ({
  eventType: 'Click',
  mail: delivery.mail,
  click: { ipAddress: '192.0.2.1', link, linkTags: {}, timestamp, userAgent: 'Mozilla/5.0' },
});

const asSns = (message: unknown): SNSEvent => {
  const event = toSnsEvent({ eventType: 'Send', mail: (message as SesEvent).mail, send: {} });
  for (const record of event.Records) record.Sns.Message = JSON.stringify(message);
  return event;
};

describe('mail events handler', () => {
  it('suppresses a hard-bounced contact and tells its journey, once under redelivery', async () => {
    const contactId = await createContact();
    const bounce = await sendAndAwait(contactId, 'bounce@simulator.amazonses.com', 'Bounce');
    const notification = toSnsEvent(bounce);

    await handler(notification);
    const contact = await contacts.getContact(contactId);
    expect(contact).toMatchObject({
      stage: 'suppressed',
      consent: { marketing: true },
      suppression: { reason: 'bounced: General' },
    });
    const events = await journeys.pendingEvents(contactId);
    expect(events).toEqual([
      {
        eventId: `ses-${bounce.mail.messageId}-Bounce`,
        type: 'bounced',
        at: bounce.eventType === 'Bounce' ? bounce.bounce.timestamp : '',
        detail: { reason: 'bounced: General' },
      },
    ]);

    await handler(notification);
    expect(await journeys.pendingEvents(contactId)).toEqual(events);
    expect(await contacts.getContact(contactId)).toEqual(contact);
  });

  it('stores one event when the same notification arrives twice at once', async () => {
    const contactId = await createContact();
    const bounce = await sendAndAwait(contactId, 'bounce@simulator.amazonses.com', 'Bounce');
    await Promise.all([handler(toSnsEvent(bounce)), handler(toSnsEvent(bounce))]);
    expect(await journeys.pendingEvents(contactId)).toHaveLength(1);
    expect(await contacts.getContact(contactId)).toMatchObject({ stage: 'suppressed' });
  });

  it('suppresses a contact that complained', async () => {
    const contactId = await createContact();
    const complaint = await sendAndAwait(contactId, 'complaint@simulator.amazonses.com', 'Complaint');
    await handler(toSnsEvent(complaint));
    expect(await contacts.getContact(contactId)).toMatchObject({ stage: 'suppressed' });
    expect((await journeys.pendingEvents(contactId)).map((e) => e.type)).toEqual(['complained']);
  });

  it('leaves the contact alone on delivery, open and transient bounce', async () => {
    const contactId = await createContact();
    const delivery = await sendAndAwait(contactId, 'dana@example.com', 'Delivery');
    const before = await contacts.getContact(contactId);
    await handler(toSnsEvent(delivery));
    await handler(
      asSns({ eventType: 'Open', mail: delivery.mail, open: { timestamp: new Date().toISOString() } }),
    );
    await handler(
      asSns({
        eventType: 'Bounce',
        mail: delivery.mail,
        bounce: {
          bounceType: 'Transient',
          bounceSubType: 'MailboxFull',
          timestamp: new Date().toISOString(),
        },
      }),
    );
    expect(await contacts.getContact(contactId)).toEqual(before);
    expect(await journeys.pendingEvents(contactId)).toEqual([]);
    // A message the ledger never claimed (a test send) gets no entry from its events.
    expect(await ledger.entries(contactId)).toEqual([]);
  });

  it('records on the ledger entry what SES reported of the message, the first time of each outcome', async () => {
    const contactId = await createContact();
    expect(await ledger.claim(contactId, 'nurture', 1, 'case-study', new Date())).toBe(true);
    const delivery = await sendAndAwait(contactId, 'fay@example.com', 'Delivery');
    const openAt = (timestamp: string) =>
      asSns({ eventType: 'Open', mail: delivery.mail, open: { timestamp } });
    const click = asSns(
      clickOn(delivery, 'https://www.example.com/customers/northwind', '2026-11-20T10:00:00.000Z'),
    );

    await handler(toSnsEvent(delivery));
    await handler(openAt('2026-11-20T09:00:00.000Z'));
    // A second open, and the same click redelivered concurrently: the first times stay.
    await handler(openAt('2026-11-20T09:30:00.000Z'));
    await Promise.all([handler(click), handler(click)]);

    const entries = await ledger.entries(contactId);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.outcomes).toEqual({
      delivered: delivery.eventType === 'Delivery' ? delivery.delivery.timestamp : '',
      opened: '2026-11-20T09:00:00.000Z',
      clicked: '2026-11-20T10:00:00.000Z',
    });
    expect(sentEmails(entries)).toEqual([
      expect.objectContaining({ track: 'nurture', round: 1, step: 'case-study', status: 'clicked' }),
    ]);
  });

  it('marks a claimed message bounced on a hard bounce, and complained on a complaint', async () => {
    const bounced = await createContact();
    const complained = await createContact();
    for (const contactId of [bounced, complained]) {
      expect(await ledger.claim(contactId, 'nurture', 1, 'case-study', new Date())).toBe(true);
    }
    await handler(toSnsEvent(await sendAndAwait(bounced, 'bounce@simulator.amazonses.com', 'Bounce')));
    await handler(
      toSnsEvent(await sendAndAwait(complained, 'complaint@simulator.amazonses.com', 'Complaint')),
    );

    expect(sentEmails(await ledger.entries(bounced)).map((email) => email.status)).toEqual(['bounced']);
    expect(sentEmails(await ledger.entries(complained)).map((email) => email.status)).toEqual(['complained']);
  });

  it('turns a click into an engaged event, once per click, ignoring the unsubscribe link', async () => {
    const contactId = await createContact();
    const delivery = await sendAndAwait(contactId, 'erin@example.com', 'Delivery');
    const click = asSns(
      clickOn(delivery, 'https://www.example.com/customers/northwind', '2026-11-20T10:00:00.000Z'),
    );
    await handler(click);
    await handler(click);
    await handler(
      asSns(clickOn(delivery, 'http://127.0.0.1:3000/v1/unsubscribe?t=x', '2026-11-20T10:01:00.000Z')),
    );

    const events = await journeys.pendingEvents(contactId);
    expect(events).toEqual([
      {
        eventId: expect.stringMatching(new RegExp(`^ses-${delivery.mail.messageId}-Click-`)),
        type: 'engaged',
        at: '2026-11-20T10:00:00.000Z',
        detail: {
          link: 'https://www.example.com/customers/northwind',
          messageId: delivery.mail.messageId,
          track: 'nurture',
          step: 'case-study',
        },
      },
    ]);
    expect(await contacts.getContact(contactId)).toMatchObject({ stage: 'name' });
  });

  it('skips a message it cannot read instead of failing the batch', async () => {
    const event = toSnsEvent({ eventType: 'Send', mail: sesEvents[0]?.mail as SesEvent['mail'], send: {} });
    for (const record of event.Records) record.Sns.Message = 'not json';
    await expect(handler(event)).resolves.toBeUndefined();
  });
});
