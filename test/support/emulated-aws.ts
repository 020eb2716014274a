import { SESv2Client } from '@aws-sdk/client-sesv2';
import {
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { RunningRuntime } from './local-runtime.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

const endpointsOf = async (runtime: RunningRuntime) =>
  (await (await runtime.call('/_local/endpoints')).json()) as { stepfunctions: string; sesv2: string };

/** The real SES v2 client, pointed at the runtime's emulated SES. */
export const localSes = async (runtime: RunningRuntime): Promise<SESv2Client> =>
  new SESv2Client({ ...local, endpoint: (await endpointsOf(runtime)).sesv2 });

export const journeyArn = 'arn:aws:states:us-east-1:000000000000:stateMachine:leadflow-journey';

/** The real Step Functions client on the runtime's emulated service, and what tests read with it. */
export const localStepFunctions = async (runtime: RunningRuntime) => {
  const client = new SFNClient({ ...local, endpoint: (await endpointsOf(runtime)).stepfunctions });
  return {
    client,
    /** The contact's journey executions, oldest generation first. */
    executionsOf: async (contactId: string) => {
      const { executions = [] } = await client.send(
        new ListExecutionsCommand({ stateMachineArn: journeyArn, maxResults: 1000 }),
      );
      return executions
        .filter((execution) => execution.name?.startsWith(contactId))
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    },
    historyOf: async (executionArn: string): Promise<HistoryEvent[]> => {
      const events: HistoryEvent[] = [];
      let nextToken: string | undefined;
      do {
        const page = await client.send(
          new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
        );
        events.push(...(page.events ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return events;
    },
  };
};

/** An admin event for the contact's journey, and the journey's answer to it settled. */
export const sendContactEvent = async (runtime: RunningRuntime, contactId: string, type: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
    method: 'POST',
    admin: true,
    json: { type },
  });
  if (response.status !== 202)
    throw new Error(`${type} answered ${response.status}: ${await response.text()}`);
  await runtime.settle();
};
