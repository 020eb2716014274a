import { ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import { expect, it } from 'vitest';
import { defaultSchedules } from '../../functions/domain/schedule.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { contactIdFor } from '../support/table-keys.js';

// A runtime of its own: a year of virtual time with no other contacts' timers to step through.
const runtime = useRuntime({ env: journeyEnv });

it('hands a customer journey over to a new execution well before Step Functions’ one-year limit, sending nothing twice', async () => {
  const intake = await runtime.call('/v1/contacts', {
    method: 'POST',
    json: { email: 'loyal@example.com', consent: true, buyingStage: 'ready_to_talk' },
  });
  expect(intake.status).toBe(202);
  await runtime.settle();
  const contactId = (await contactIdFor(runtime, 'loyal@example.com')) ?? '';
  for (const type of ['sales_accepted', 'won']) {
    await runtime.call(`/v1/contacts/${contactId}/events`, { method: 'POST', admin: true, json: { type } });
    await runtime.settle();
  }

  await runtime.advance('400d');

  const { stepfunctions } = (await (await runtime.call('/_local/endpoints')).json()) as {
    stepfunctions: string;
  };
  const client = new SFNClient({
    endpoint: stepfunctions,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { executions = [] } = await client.send(
    new ListExecutionsCommand({
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:leadflow-journey',
    }),
  );
  client.destroy();
  expect(executions.map((execution) => [execution.name, execution.status]).sort()).toEqual([
    [`${contactId}-g1`, 'SUCCEEDED'],
    [`${contactId}-g2`, 'RUNNING'],
  ]);
  const steps = (await runtime.outbox())
    .filter((mail) => mail.contactId === contactId)
    .map((mail) => mail.step);
  expect(steps).toEqual(defaultSchedules.customer.steps.map((step) => step.id));
});
