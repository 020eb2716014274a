import { randomUUID } from 'node:crypto';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { newContact } from '../../functions/domain/contact.js';
import { defaultRules } from '../../functions/domain/qualification.js';
import type { Stage } from '../../functions/domain/stages.js';
import { parseSubmission } from '../../functions/domain/submission.js';
import { touchFromSubmission } from '../../functions/domain/touch.js';
import { journeyArn } from './emulated-aws.js';
import type { RunningRuntime } from './local-runtime.js';

const local = { region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };

/**
 * Creates contacts straight in the runtime's table through the intake's own repository (the same
 * transaction: address claim, profile, first touch, funnel counters), many times faster than the
 * public intake; with `journeys`, starts each one's journey as the intake does, so whatever wakes
 * them goes through the real journey. Their ids. The adapters read the runtime's endpoints from the
 * environment when first imported: seed before any restart of the runtime.
 */
export const seedContacts = async (
  runtime: RunningRuntime,
  count: number,
  options: { stage?: Stage; journeys?: boolean; prefix?: string } = {},
): Promise<string[]> => {
  const endpoints = (await (await runtime.call('/_local/endpoints')).json()) as {
    dynamodb: string;
    stepfunctions: string;
  };
  Object.assign(process.env, {
    AWS_REGION: local.region,
    AWS_ACCESS_KEY_ID: local.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: local.credentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
  });
  const { ContactRepository } = await import('../../functions/adapters/contact-repository.js');
  const contacts = new ContactRepository('leadflow');
  const { now } = (await (await runtime.call('/_local/clock')).json()) as { now: string };
  const sfn = new SFNClient({ ...local, endpoint: endpoints.stepfunctions });
  const prefix = options.prefix ?? `seed-${Date.now()}`;
  const ids: string[] = [];
  const one = async (index: number) => {
    const submission = parseSubmission({ email: `${prefix}-${index}@example.com`, company: 'Acme' });
    if (!submission.ok) throw new Error('the seed submission is invalid');
    const contactId = randomUUID();
    const touch = touchFromSubmission(submission.value, { touchId: randomUUID(), contactId }, new Date(now));
    const contact = newContact(submission.value, touch, defaultRules);
    if (!(await contacts.createContact({ ...contact, stage: options.stage ?? contact.stage }))) {
      throw new Error(`the seed address ${index} is taken`);
    }
    if (options.journeys) {
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: journeyArn,
          name: `${contactId}-g0`,
          input: JSON.stringify({ contactId, generation: 0, steps: 0 }),
        }),
      );
    }
    ids.push(contactId);
  };
  for (let i = 0; i < count; i += 25) {
    await Promise.all(Array.from({ length: Math.min(25, count - i) }, (_, j) => one(i + j)));
  }
  sfn.destroy();
  await runtime.settle();
  return ids;
};
