import { readFile } from 'node:fs/promises';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSchedules, stepDelayMs, type Track } from '../../functions/domain/schedule.js';
import { localStepFunctions, sendContactEvent } from '../support/emulated-aws.js';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, type OutboxItem, useRuntime } from '../support/local-runtime.js';

const day = 86_400_000;
const runtime = useRuntime({ env: journeyEnv });
let stepFunctions: Awaited<ReturnType<typeof localStepFunctions>>;

beforeAll(async () => {
  stepFunctions = await localStepFunctions(runtime);
});

afterAll(() => {
  stepFunctions?.client.destroy();
});

interface Intake {
  contactId: string;
}

const submit = async (fields: Record<string, unknown>): Promise<Intake> => ({
  contactId: await submitLead(runtime, fields),
});

const sendEvent = (contactId: string, type: string) => sendContactEvent(runtime, contactId, type);

const contact = async (contactId: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as { stage: string; createdAt: string; consent: { marketing: boolean } };
};

const mailTo = async (contactId: string): Promise<OutboxItem[]> =>
  (await runtime.outbox()).filter((mail) => mail.contactId === contactId);

/** Days after `from` each email went out, and which step it was. */
const sendDays = (mails: OutboxItem[], from: string) =>
  mails.map((mail) => ({
    track: mail.track,
    step: mail.step,
    day: Math.round((Date.parse(mail.sentAt) - Date.parse(from)) / day),
  }));

/** The schedule's steps as (track, step, day after the track began), each delay counted from the previous send. */
const expectedSends = (track: Track, startDay = 0) => {
  let at = startDay * day;
  return defaultSchedules[track].steps.map((step) => {
    at += stepDelayMs(step);
    return { track, step: step.id, day: Math.round(at / day) };
  });
};

const executionsOf = (contactId: string) => stepFunctions.executionsOf(contactId);

const historyOf = (executionArn: string) => stepFunctions.historyOf(executionArn);

const stateTransitions = (events: HistoryEvent[]) =>
  events.filter((event) => event.type?.endsWith('StateEntered')).length;

describe('a contact in the nurture track', () => {
  it('gets the nurture emails on the scheduled days and nothing more', async () => {
    const { contactId } = await submit({ email: uniqueEmail('silent'), firstName: 'Sam', consent: true });
    const { createdAt } = await contact(contactId);

    await runtime.advance('120d');

    expect(sendDays(await mailTo(contactId), createdAt)).toEqual(expectedSends('nurture'));
  });

  it('gets no email at all without consent', async () => {
    const { contactId } = await submit({ email: uniqueEmail('no-consent'), consent: false });

    await runtime.advance('40d');

    expect(await mailTo(contactId)).toEqual([]);
    expect((await contact(contactId)).stage).toBe('name');
  });

  it('sends an email that parses as MIME with both parts and the one-click unsubscribe headers', async () => {
    const { contactId } = await submit({
      email: uniqueEmail('mime'),
      firstName: 'Maya',
      company: 'Initech',
      consent: true,
      offer: { type: 'ebook', id: 'funnel-guide' },
    });
    const [welcome] = await mailTo(contactId);
    if (!welcome) throw new Error('no welcome email');

    const parsed = await simpleParser(await readFile(welcome.path));

    expect(parsed.text).toContain('Maya');
    expect(parsed.html).toContain('Maya');
    const header = (key: string) => parsed.headerLines.find((line) => line.key === key)?.line;
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-unsubscribe')).toMatch(/<http:\/\/127\.0\.0\.1:\d+\/v1\/unsubscribe\?t=[^>]+>/);
    expect(parsed.html).toMatch(/href="http:\/\/127\.0\.0\.1:\d+\/v1\/unsubscribe\?t=/);
    expect(parsed.text).toMatch(/1 Example Street/);
  });
});

describe('funnel moves', () => {
  it('moves forward on engagement and reaches sales when the contact says it is ready to talk', async () => {
    const { contactId } = await submit({ email: uniqueEmail('engaged'), consent: true });

    await sendEvent(contactId, 'engaged');
    expect((await contact(contactId)).stage).toBe('engagement');

    const ready = await submit({ email: uniqueEmail('ready'), consent: true, buyingStage: 'ready_to_talk' });
    expect((await contact(ready.contactId)).stage).toBe('sales_lead');
  });

  it('recycles a rejected sales lead and sends the recycle emails', async () => {
    const { contactId } = await submit({
      email: uniqueEmail('rejected'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });

    await sendEvent(contactId, 'sales_rejected');
    expect((await contact(contactId)).stage).toBe('recycled');
    const recycledAt = (await runtime.call('/_local/clock').then((r) => r.json())) as { now: string };
    await runtime.advance('90d');

    const recycleMails = (await mailTo(contactId)).filter((mail) => mail.track === 'recycle');
    expect(sendDays(recycleMails, recycledAt.now)).toEqual(expectedSends('recycle'));
  });

  it('recycles a sales lead nobody answered within the agreed days', async () => {
    const { contactId } = await submit({
      email: uniqueEmail('ignored'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });

    await runtime.advance('4d');
    expect((await contact(contactId)).stage).toBe('sales_lead');
    await runtime.advance('2d');
    expect((await contact(contactId)).stage).toBe('recycled');
  });

  it('makes a won opportunity a customer on the re-engagement track', async () => {
    const { contactId } = await submit({
      email: uniqueEmail('won'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });

    await sendEvent(contactId, 'sales_accepted');
    expect((await contact(contactId)).stage).toBe('opportunity');
    await sendEvent(contactId, 'won');
    expect((await contact(contactId)).stage).toBe('customer');
    const wonAt = ((await runtime.call('/_local/clock').then((r) => r.json())) as { now: string }).now;
    await runtime.advance('200d');

    const customerMails = (await mailTo(contactId)).filter((mail) => mail.track === 'customer');
    expect(sendDays(customerMails, wonAt)).toEqual(expectedSends('customer'));
    // 200 virtual days of timers: room for a busy machine.
  }, 90_000);

  it('refuses a sales decision that does not fit the stage with 409, and changes nothing', async () => {
    const { contactId } = await submit({ email: uniqueEmail('misfit'), consent: true });
    for (const type of ['sales_accepted', 'sales_rejected', 'lost']) {
      const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
        method: 'POST',
        admin: true,
        json: { type, reason: 'no_budget' },
      });
      expect(response.status).toBe(409);
      const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
      expect(body.error.code).toBe('decision_not_allowed');
      expect(body.error.issues[0]?.path).toBe('type');
    }
    await sendEvent(contactId, 'won');
    const again = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'won' },
    });
    expect(again.status).toBe(409);
    expect((await contact(contactId)).stage).toBe('customer');
  });

  it('recycles a lost opportunity', async () => {
    const { contactId } = await submit({
      email: uniqueEmail('lost'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });

    await sendEvent(contactId, 'sales_accepted');
    await sendEvent(contactId, 'lost');

    expect((await contact(contactId)).stage).toBe('recycled');
    // Each decision keeps who made it: here the local admin token's user.
    const history = ((await contact(contactId)) as unknown as { stageHistory: { to: string; by?: string }[] })
      .stageHistory;
    expect(history.filter((change) => change.to === 'opportunity' || change.to === 'recycled')).toEqual([
      expect.objectContaining({ to: 'opportunity', by: 'local-admin' }),
      expect.objectContaining({ to: 'recycled', by: 'local-admin' }),
    ]);
  });
});

describe('unsubscribing', () => {
  const unsubscribeUrlOf = async (mail: OutboxItem) => {
    const parsed = await simpleParser(await readFile(mail.path));
    const line = parsed.headerLines.find((header) => header.key === 'list-unsubscribe')?.line ?? '';
    const url = /<(http[^>]+)>/.exec(line)?.[1];
    if (!url) throw new Error(`no unsubscribe URL in ${line}`);
    return new URL(url);
  };

  it('one-click unsubscribe stops every later email', async () => {
    const { contactId } = await submit({ email: uniqueEmail('leaver'), consent: true });
    const [welcome] = await mailTo(contactId);
    if (!welcome) throw new Error('no welcome email');
    const link = await unsubscribeUrlOf(welcome);

    const response = await runtime.call(`${link.pathname}${link.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    await runtime.settle();
    await runtime.advance('60d');

    expect(response.status).toBe(200);
    const after = await contact(contactId);
    expect(after.stage).toBe('unsubscribed');
    expect(after.consent.marketing).toBe(false);
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome']);
  });

  it('refuses a forged token and changes nothing', async () => {
    const { contactId } = await submit({ email: uniqueEmail('forged'), consent: true });
    const [welcome] = await mailTo(contactId);
    if (!welcome) throw new Error('no welcome email');
    const link = await unsubscribeUrlOf(welcome);
    const token = link.searchParams.get('t') ?? '';
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;

    const response = await runtime.call(`/v1/unsubscribe?t=${encodeURIComponent(forged)}`, {
      method: 'POST',
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_token');
    expect((await contact(contactId)).stage).toBe('name');
    expect((await contact(contactId)).consent.marketing).toBe(true);
  });
});

describe('faults lose nothing and send nothing twice', () => {
  it('a duplicate intake mid-journey makes no second journey and no second welcome', async () => {
    const email = uniqueEmail('twice');
    const first = await submit({ email, consent: true });
    await runtime.advance('2d');

    const second = await submit({ email: email.toUpperCase(), consent: true });
    await runtime.advance('10d');

    expect(second.contactId).toBe(first.contactId);
    expect(await executionsOf(first.contactId)).toHaveLength(1);
    const steps = (await mailTo(first.contactId)).map((mail) => mail.step);
    expect(steps.filter((step) => step === 'welcome')).toHaveLength(1);
    expect(new Set(steps).size).toBe(steps.length);
  });

  it.each(['before', 'after'] as const)(
    'a journey step that fails %s it ran and is retried sends each email once',
    async (when) => {
      const { contactId } = await submit({ email: uniqueEmail(`retried-${when}`), consent: true });
      const armed = await runtime.call('/_local/faults', {
        method: 'POST',
        json: { function: 'advance', when, times: 1, contactId },
      });
      expect(armed.status).toBe(202);

      // The case study falls due on day 3; the retry's back-off runs on the same clock.
      await runtime.advance('3d');
      await runtime.advance('1m');

      const [execution] = await executionsOf(contactId);
      const history = await historyOf(execution?.executionArn ?? '');
      expect(history.filter((event) => event.type === 'LambdaFunctionFailed')).toHaveLength(1);
      expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome', 'case-study']);
    },
  );

  it('an event racing the timeout of the task it was meant to wake is still applied', async () => {
    const contacts = await Promise.all(
      [1, 2, 3, 4].map(() =>
        submit({ email: uniqueEmail('race'), consent: true, buyingStage: 'ready_to_talk' }),
      ),
    );

    // The sales answer deadline (5 days) and the accept land at once.
    await runtime.advance('4d');
    await Promise.all([
      runtime.advance('1d'),
      ...contacts.map(({ contactId }) =>
        runtime.call(`/v1/contacts/${contactId}/events`, {
          method: 'POST',
          admin: true,
          json: { type: 'won' },
        }),
      ),
    ]);
    await runtime.advance('1m');

    for (const { contactId } of contacts) expect((await contact(contactId)).stage).toBe('customer');
  });
});

describe('cost in state transitions', () => {
  it('is at most two per timed touch and three per event', async () => {
    const { contactId } = await submit({ email: uniqueEmail('counted'), consent: true });
    const [execution] = await executionsOf(contactId);
    const arn = execution?.executionArn ?? '';
    const before = stateTransitions(await historyOf(arn));
    await runtime.advance('3d');
    const afterTouch = stateTransitions(await historyOf(arn));
    await sendEvent(contactId, 'engaged');
    const afterEvent = stateTransitions(await historyOf(arn));

    const perTouch = afterTouch - before;
    const perEvent = afterEvent - afterTouch;
    console.log(`State transitions: ${perTouch} per timed touch, ${perEvent} per event`);
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome', 'case-study']);
    expect(perTouch).toBeLessThanOrEqual(2);
    expect(perEvent).toBeLessThanOrEqual(3);
  });
});

describe('contacts that must not be emailed', () => {
  it('suppresses a hard-bouncing address and a complaining one, and mails neither again', async () => {
    const bounced = await submit({ email: 'bounce@simulator.amazonses.com', consent: true });
    const complained = await submit({ email: 'complaint@simulator.amazonses.com', consent: true });

    await runtime.advance('40d');

    for (const { contactId } of [bounced, complained]) {
      expect((await contact(contactId)).stage).toBe('suppressed');
      expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome']);
    }
  });

  it('erases a contact on request: its data and its journey go, and the address may sign up afresh', async () => {
    const email = uniqueEmail('erased');
    const { contactId } = await submit({ email, consent: true });

    const erased = await runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true });
    await runtime.settle();
    await runtime.advance('20d');

    expect(erased.status).toBe(204);
    expect((await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).status).toBe(404);
    expect((await runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true })).status).toBe(
      404,
    );
    expect((await mailTo(contactId)).map((mail) => mail.step)).toEqual(['welcome']);
    expect((await executionsOf(contactId)).map((execution) => execution.status)).toEqual(['SUCCEEDED']);
    const again = await submit({ email, consent: true });
    expect(again.contactId).not.toBe(contactId);
  });
});
