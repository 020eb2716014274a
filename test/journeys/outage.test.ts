import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { DescribeExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSchedules } from '../../functions/domain/schedule.js';
import { localSes, localStepFunctions, sendContactEvent } from '../support/emulated-aws.js';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { putTableItem, tableItems } from '../support/table-keys.js';

const runtime = useRuntime({ env: journeyEnv });
let stepFunctions: Awaited<ReturnType<typeof localStepFunctions>>;

beforeAll(async () => {
  stepFunctions = await localStepFunctions(runtime);
});

afterAll(async () => {
  stepFunctions?.client.destroy();
});

interface ContactBody {
  stage: string;
  stalled?: { error: string; cause: string; at: string };
  stalledCount?: number;
}

const submit = (label: string): Promise<string> =>
  submitLead(runtime, { email: uniqueEmail(label), consent: true });

const contact = async (contactId: string) =>
  (await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as ContactBody;

const fail = async (fn: 'advance' | 'await', times: number, contactId: string) => {
  const armed = await runtime.call('/_local/faults', {
    method: 'POST',
    json: { function: fn, when: 'before', times, contactId },
  });
  expect(armed.status).toBe(202);
};

const sendEvent = (contactId: string, type: string) => sendContactEvent(runtime, contactId, type);

const executionsOf = (contactId: string) => stepFunctions.executionsOf(contactId);

const historyOf = (executionArn: string) => stepFunctions.historyOf(executionArn);

const failuresIn = async (contactId: string) => {
  let failures = 0;
  for (const execution of await executionsOf(contactId)) {
    const history = await historyOf(execution.executionArn ?? '');
    // A callback task's function failing is a TaskFailed; a plain Lambda task's, LambdaFunctionFailed.
    failures += history.filter(
      (event) => event.type === 'LambdaFunctionFailed' || event.type === 'TaskFailed',
    ).length;
  }
  return failures;
};

/** The steps the contact was emailed, in order: each (track, step) at most once. */
const stepsSent = async (contactId: string) =>
  (await runtime.outbox())
    .filter((mail) => mail.contactId === contactId)
    .map((mail) => `${mail.track}:${mail.step}`);

const nurtureSteps = defaultSchedules.nurture.steps.map((step) => `nurture:${step.id}`);

/** Moves the clock a little at a time until `done`, so a state that lasts an hour is seen. */
const advanceUntil = async (done: () => Promise<boolean>, step: string, most: number) => {
  for (let i = 0; i < most; i++) {
    if (await done()) return true;
    await runtime.advance(step);
  }
  return done();
};

describe('journeys outlive outages', () => {
  it('a step failing past its retries stalls the journey, which shows why and resumes on the next event', async () => {
    const contactId = await submit('stall');
    expect(await stepsSent(contactId)).toEqual(['nurture:welcome']);

    // An outage longer than the retries ride out (they give up within about 70 minutes).
    await fail('advance', 25, contactId);
    await sendEvent(contactId, 'engaged');
    const stalled = await advanceUntil(
      async () => (await contact(contactId)).stalled !== undefined,
      '5m',
      16,
    );
    expect(stalled).toBe(true);
    const view = await contact(contactId);
    expect(view.stalled).toMatchObject({ error: expect.any(String), cause: expect.any(String) });
    expect(view.stalledCount).toBe(1);
    expect(view.stage).toBe('name');
    // Every attempt until the stall failed: the first and 20 retries.
    expect(await failuresIn(contactId)).toBe(21);
    const [execution] = await executionsOf(contactId);
    expect(execution?.status).toBe('RUNNING');

    // The outage is over (4 failures left, within the retries): the next event resumes it at once.
    await sendEvent(contactId, 'engaged');
    await runtime.advance('10m');
    const resumed = await contact(contactId);
    expect(resumed.stalled).toBeUndefined();
    expect(resumed.stage).toBe('engagement');
    expect(await failuresIn(contactId)).toBe(25);

    await runtime.advance('40d');
    const sent = await stepsSent(contactId);
    expect(sent).toEqual(nurtureSteps);
    expect(await executionsOf(contactId)).toHaveLength(1);
  });

  it('a stalled journey tries again on its own within the hour', async () => {
    const contactId = await submit('sweep');
    await fail('advance', 23, contactId);
    await sendEvent(contactId, 'engaged');
    expect(await advanceUntil(async () => (await contact(contactId)).stalled !== undefined, '5m', 16)).toBe(
      true,
    );
    // No event comes: the stalled wait times out and the step runs again (2 failures left).
    await runtime.advance('65m');
    expect((await contact(contactId)).stalled).toBeUndefined();
    expect((await contact(contactId)).stage).toBe('engagement');
    await runtime.advance('40d');
    expect(await stepsSent(contactId)).toEqual(nurtureSteps);
  });

  it('a wait whose task keeps failing loses no step and sends none twice', async () => {
    const contactId = await submit('await');
    // The token cannot be parked for longer than every retry, the stall's own and the hour after.
    await fail('await', 30, contactId);
    await runtime.advance('40d');
    expect(await stepsSent(contactId)).toEqual(nurtureSteps);
    const [execution] = await executionsOf(contactId);
    expect(execution?.status).toBe('RUNNING');
    expect(await failuresIn(contactId)).toBe(30);
  });

  it('an event for a journey an error ended restarts it from the stored state, and is applied', async () => {
    const contactId = await submit('ended');
    await runtime.advance('3d');
    const before = await stepsSent(contactId);
    expect(before).toEqual(nurtureSteps.slice(0, 2));

    const [first] = await executionsOf(contactId);
    await stepFunctions.client.send(
      new StopExecutionCommand({ executionArn: first?.executionArn, error: 'Operator', cause: 'test' }),
    );
    await sendEvent(contactId, 'engaged');

    const [ended, restarted] = await executionsOf(contactId);
    expect(ended?.status).toBe('ABORTED');
    expect(restarted?.name).toBe(`${contactId}-g2`);
    const described = await stepFunctions.client.send(
      new DescribeExecutionCommand({ executionArn: restarted?.executionArn }),
    );
    expect(described.status).toBe('RUNNING');
    expect((await contact(contactId)).stage).toBe('engagement');

    // It carries on where the stopped one left off: nothing sent twice, nothing skipped.
    await runtime.advance('40d');
    expect(await stepsSent(contactId)).toEqual(nurtureSteps);
  });
});

describe('the send ledger is reconciled', () => {
  const now = async () => (await runtime.now()).toISOString();
  const second = defaultSchedules.nurture.steps[1];

  /** The claim a step leaves when it dies after claiming its email, before marking it sent. */
  const claimLeftBehind = async (contactId: string) => {
    const [welcome] = await tableItems(runtime, `CONTACT#${contactId}`, 'SEND#nurture#');
    const round = Number(welcome?.round);
    const sk = `SEND#nurture#${round}#${second?.id}`;
    await putTableItem(runtime, {
      pk: `CONTACT#${contactId}`,
      sk,
      track: 'nurture',
      round,
      stepId: second?.id,
      status: 'sending',
      claimedAt: await now(),
    });
    return { round, sk };
  };

  it('sends once, after its window, a step claimed but never handed to SES', async () => {
    const contactId = await submit('claimed');
    const { sk } = await claimLeftBehind(contactId);

    await runtime.advance('40d');

    expect(await stepsSent(contactId)).toEqual(nurtureSteps);
    const [entry] = await tableItems(runtime, `CONTACT#${contactId}`, sk);
    expect(entry).toMatchObject({
      status: 'sent',
      resentAt: expect.any(String),
      messageId: expect.any(String),
    });
  });

  it('never resends a step SES accepted before its step died: the Send event marks it sent', async () => {
    const contactId = await submit('accepted');
    const { round, sk } = await claimLeftBehind(contactId);
    const ses = await localSes(runtime);
    const email = (
      (await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as {
        email: string;
      }
    ).email;
    // What the dead step had sent: SES has it, with the tags every step email carries.
    const { MessageId } = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'Leadflow <hello@leadflow.example>',
        Destination: { ToAddresses: [email] },
        Content: { Simple: { Subject: { Data: 'Case study' }, Body: { Text: { Data: 'Hello' } } } },
        ConfigurationSetName: 'leadflow',
        EmailTags: [
          { Name: 'contactId', Value: contactId },
          { Name: 'track', Value: 'nurture' },
          { Name: 'round', Value: String(round) },
          { Name: 'step', Value: second?.id ?? '' },
        ],
      }),
    );
    ses.destroy();
    await runtime.settle();
    const [confirmed] = await tableItems(runtime, `CONTACT#${contactId}`, sk);
    expect(confirmed).toMatchObject({
      status: 'sent',
      messageId: MessageId,
      sesSendEventAt: expect.any(String),
    });

    await runtime.advance('40d');
    expect(await stepsSent(contactId)).toEqual(nurtureSteps);
    const [entry] = await tableItems(runtime, `CONTACT#${contactId}`, sk);
    expect(entry?.resentAt).toBeUndefined();
  });

  it.each([['TooManyRequestsException'], ['SendingPausedException']])(
    'sends every due email once after SES refused sends for an hour (%s)',
    async (error) => {
      const contactId = await submit(`ses-${error}`);
      // The second step falls due (on day 3) inside the hour SES refuses.
      expect(second?.delay).toBe('3d');
      await runtime.advance('71h');
      await runtime.advance('30m');
      const armedAt = Date.parse(await now());
      const refused = await runtime.call('/_local/faults', {
        method: 'POST',
        json: { service: 'sesv2', error, for: '1h' },
      });
      expect(refused.status).toBe(202);
      await runtime.advance('3h');
      expect(await stepsSent(contactId)).toEqual(nurtureSteps.slice(0, 2));
      // It fell due while SES refused, and went out once SES took mail again.
      const caseStudy = (await runtime.outbox()).find(
        (mail) => mail.contactId === contactId && mail.step === second?.id,
      );
      expect(Date.parse(caseStudy?.sentAt ?? '')).toBeGreaterThanOrEqual(armedAt + 3_600_000);
      await runtime.advance('40d');
      expect(await stepsSent(contactId)).toEqual(nurtureSteps);
    },
  );
});
