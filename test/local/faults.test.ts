import { type SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSes } from '../support/emulated-aws.js';
import { type RunningRuntime, startRuntime } from '../support/local-runtime.js';

let runtime: RunningRuntime;
let ses: SESv2Client;

beforeAll(async () => {
  runtime = await startRuntime();
  ses = await localSes(runtime);
});

afterAll(async () => {
  ses?.destroy();
  await runtime?.stop();
});

const arm = (fault: unknown) => runtime.call('/_local/faults', { method: 'POST', json: fault });

const send = () =>
  ses.send(
    new SendEmailCommand({
      FromEmailAddress: 'hello@leadflow.example',
      Destination: { ToAddresses: ['jane@example.com'] },
      Content: { Simple: { Subject: { Data: 'Hello' }, Body: { Text: { Data: 'Hello Jane' } } } },
    }),
  );

interface ErrorBody {
  error: { code: string; message: string; issues: { path: string; message: string }[] };
}
const issuePaths = async (response: Response) =>
  ((await response.json()) as ErrorBody).error.issues.map((issue) => issue.path);

describe('POST /_local/faults', () => {
  it('has SES refuse sends for a span of virtual time, then send again', async () => {
    const { now } = (await (await runtime.call('/_local/clock')).json()) as { now: string };
    const armed = await arm({ service: 'sesv2', error: 'SendingPausedException', for: '1h' });
    expect(armed.status).toBe(202);
    expect(await armed.json()).toEqual({
      service: 'sesv2',
      error: 'SendingPausedException',
      for: '1h',
      until: new Date(Date.parse(now) + 3_600_000).toISOString(),
    });

    expect(((await send().catch((e: unknown) => e)) as Error).name).toBe('SendingPausedException');
    await runtime.advance('1h');
    const { MessageId } = await send();
    expect((await runtime.outbox()).map((mail) => mail.messageId)).toEqual([MessageId]);
  });

  it('refuses an SES fault it cannot honour, naming each field', async () => {
    const cases: [unknown, string[]][] = [
      [{ service: 'sns', error: 'TooManyRequestsException', for: '1h' }, ['service']],
      [{ service: 'sesv2', error: 'Throttling', for: '1h' }, ['error']],
      [{ service: 'sesv2', error: 'TooManyRequestsException', for: 'soon' }, ['for']],
      [{ service: 'sesv2', error: 'TooManyRequestsException', for: '0m' }, ['for']],
      [{ service: 'sesv2', error: 'TooManyRequestsException', for: '99999999999d' }, ['for']],
      [{ service: 'sesv2' }, ['error', 'for']],
      [[], ['']],
    ];
    for (const [fault, paths] of cases) {
      const response = await arm(fault);
      expect(response.status).toBe(400);
      expect(await issuePaths(response)).toEqual(paths);
    }
  });

  it('still takes the Lambda fault as before', async () => {
    const fault = { function: 'advance', when: 'before', times: 1, contactId: 'nobody' };
    const armed = await arm(fault);
    expect(armed.status).toBe(202);
    expect(await armed.json()).toEqual(fault);

    const refused = await arm({ function: 'advance', times: 0 });
    expect(refused.status).toBe(400);
    expect(await issuePaths(refused)).toEqual(['when', 'times']);
  });
});
