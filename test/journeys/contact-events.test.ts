import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { localStepFunctions, sendContactEvent } from '../support/emulated-aws.js';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

const salesInbox = 'sales@leadflow.example';
const runtime = useRuntime({ env: journeyEnv });

/** As `GET /_local/events` lists them. */
interface BusEventView {
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: { schemaVersion: number; eventId: string; contactId: string } & Record<string, unknown>;
}

const submit = (fields: Record<string, unknown>) => submitLead(runtime, fields);

const eventsOf = async (contactId: string): Promise<BusEventView[]> => {
  const response = await runtime.call('/_local/events');
  expect(response.status).toBe(200);
  const events = (await response.json()) as BusEventView[];
  return events.filter((event) => event.detail.contactId === contactId);
};

const ofType = (events: BusEventView[], detailType: string) =>
  events.filter((event) => event.detailType === detailType);

/** The sales inbox's emails that link to the contact, with their text. */
const handoffMails = async (contactId: string) => {
  const mails = (await runtime.outbox()).filter((mail) => mail.to === salesInbox);
  const parsed = await Promise.all(
    mails.map(async (mail) => ({ mail, parsed: await simpleParser(await readFile(mail.path)) })),
  );
  return parsed.filter(({ parsed }) => String(parsed.html).includes(`/admin#contact/${contactId}`));
};

describe('events out on the bus, and the sales handoff', () => {
  it('a contact ready to talk is announced once as a sales lead, and the sales inbox hears of it once', async () => {
    const contactId = await submit({
      email: uniqueEmail('ready'),
      firstName: 'Dana',
      lastName: 'Reyes',
      company: 'Acme Corp',
      consent: true,
      buyingStage: 'ready_to_talk',
      offer: { type: 'demo' },
      source: { channel: 'organic_search' },
    });

    const events = await eventsOf(contactId);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(event.source).toBe('leadflow.contact');
      expect(event.detail.schemaVersion).toBe(1);
      expect(event.id).toBeTruthy();
      expect(Date.parse(event.time)).not.toBeNaN();
    }
    const moves = ofType(events, 'Contact Stage Changed').map((event) => event.detail);
    // Created at sales_lead by its own say-so: its entry is the one move, from nowhere.
    expect(moves).toEqual([
      expect.objectContaining({
        from: null,
        to: 'sales_lead',
        reason: 'asked to talk to sales',
        contactId,
      }),
    ]);
    for (const [i, move] of moves.entries()) {
      if (i > 0) expect(move.from).toBe(moves[i - 1]?.to);
      expect(move).toEqual(
        expect.objectContaining({ reason: expect.any(String), score: expect.any(Number) }),
      );
    }
    const [ready, ...more] = ofType(events, 'Sales Lead Ready');
    expect(more).toEqual([]);
    expect(ready?.detail).toMatchObject({
      contactId,
      company: 'Acme Corp',
      buyingStage: 'ready_to_talk',
      contactUrl: `${runtime.url}/admin#contact/${contactId}`,
      latestTouch: { channel: 'organic_search', what: 'form', offerType: 'demo' },
    });
    // Data minimisation: no name or address on the bus.
    expect(JSON.stringify(ready)).not.toMatch(/Dana|Reyes|@example\.com/);

    const mails = await handoffMails(contactId);
    expect(mails).toHaveLength(1);
    const [{ mail, parsed } = expect.unreachable()] = mails;
    expect(mail.subject).toBe('Sales lead ready: Dana Reyes (Acme Corp)');
    expect(mail.contactId).toBeNull();
    expect(parsed.text).toContain(`score of ${String(ready?.detail.score)}`);
    expect(parsed.text).toContain('organic_search');
    expect(parsed.text).toContain('demo');
  });

  it('a journey step that fails after it ran and is retried sends the handoff once and announces it once', async () => {
    const email = uniqueEmail('retried');
    const contactId = await submit({ email, firstName: 'Kim', lastName: 'Okafor', consent: true });
    const armed = await runtime.call('/_local/faults', {
      method: 'POST',
      json: { function: 'advance', when: 'after', times: 1, contactId },
    });
    expect(armed.status).toBe(202);

    await submit({ email, consent: true, buyingStage: 'ready_to_talk' });
    await runtime.advance('1m');

    const stepFunctions = await localStepFunctions(runtime);
    const [execution] = await stepFunctions.executionsOf(contactId);
    const history = await stepFunctions.historyOf(execution?.executionArn ?? '');
    stepFunctions.client.destroy();
    expect(history.filter((event) => event.type === 'LambdaFunctionFailed')).toHaveLength(1);

    const events = await eventsOf(contactId);
    expect(ofType(events, 'Sales Lead Ready')).toHaveLength(1);
    const toSales = ofType(events, 'Contact Stage Changed').filter(
      (event) => event.detail.to === 'sales_lead',
    );
    expect(toSales).toHaveLength(1);
    const mails = await handoffMails(contactId);
    expect(mails.map(({ mail }) => mail.subject)).toEqual(['Sales lead ready: Kim Okafor']);
  });

  it('a rejected sales lead is announced as recycled, with the reason', async () => {
    const contactId = await submit({
      email: uniqueEmail('rejected'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });
    await sendContactEvent(runtime, contactId, 'sales_rejected');

    const moves = ofType(await eventsOf(contactId), 'Contact Stage Changed').map((event) => event.detail);
    expect(moves.at(-1)).toMatchObject({ from: 'sales_lead', to: 'recycled', reason: 'sales rejected' });
  });

  it('a sales lead nobody answers in time is announced as overdue, once', async () => {
    const contactId = await submit({
      email: uniqueEmail('overdue'),
      company: 'Initech',
      consent: true,
      buyingStage: 'ready_to_talk',
    });
    await runtime.advance('4d');
    expect(ofType(await eventsOf(contactId), 'Sales Answer Overdue')).toEqual([]);
    await runtime.advance('2d');
    const events = await eventsOf(contactId);
    const overdue = ofType(events, 'Sales Answer Overdue');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]?.detail).toMatchObject({
      contactId,
      company: 'Initech',
      contactUrl: `${runtime.url}/admin#contact/${contactId}`,
      score: expect.any(Number),
    });
    const moves = ofType(events, 'Contact Stage Changed').map((event) => event.detail);
    expect(moves.at(-1)).toMatchObject({
      from: 'sales_lead',
      to: 'recycled',
      reason: 'no sales answer in time',
    });
    await runtime.advance('30d');
    expect(ofType(await eventsOf(contactId), 'Sales Answer Overdue')).toHaveLength(1);
  }, 60_000);

  it('previews the handoff template with a sample lead', async () => {
    const response = await runtime.call('/v1/templates/sales-lead-ready/preview', {
      method: 'POST',
      admin: true,
      json: {},
    });
    expect(response.status).toBe(200);
    const shown = (await response.json()) as { subject: string; html: string };
    expect(shown.subject).toBe('Sales lead ready: Alex Sample (Example Co)');
    expect(shown.html).toContain('score of 72');
    expect(shown.html).toContain('why: demo +30');
    expect(shown.html).toContain('/admin#contact/sample');
  });

  it('an erasure is announced with the contact id only', async () => {
    const contactId = await submit({ email: uniqueEmail('erased'), consent: true });
    const erased = await runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true });
    expect(erased.status).toBe(204);
    await runtime.settle();

    const [event, ...more] = ofType(await eventsOf(contactId), 'Contact Erased');
    expect(more).toEqual([]);
    expect(Object.keys(event?.detail ?? {}).sort()).toEqual(['at', 'contactId', 'eventId', 'schemaVersion']);
  });
});
