import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContactRepository } from '../../functions/adapters/contact-repository.js';
import type { JourneyRepository } from '../../functions/adapters/journey-repository.js';
import type { sendMarketingEmail as SendMarketingEmail } from '../../functions/adapters/mailer.js';
import { newContact } from '../../functions/domain/contact.js';
import { defaultRules } from '../../functions/domain/qualification.js';
import { parseSubmission } from '../../functions/domain/submission.js';
import { touchFromSubmission } from '../../functions/domain/touch.js';
import { VirtualClock } from '../../local/clock.js';
import {
  ensureTable,
  localCredentials,
  localDynamoDbClient,
  localRegion,
  startDynamoDbLocal,
} from '../../local/dynamodb-local.js';
import { type SesEndpoint, type SesEndpointOptions, startSesEndpoint } from '../../local/ses-endpoint.js';

export interface MailFixture {
  contacts: ContactRepository;
  journeys: JourneyRepository;
  sendMarketingEmail: typeof SendMarketingEmail;
  /** A fresh consenting contact, written straight to the table. */
  createContact(email?: string): Promise<string>;
  outbox: SesEndpoint['outbox'];
  stop(): Promise<void>;
}

/**
 * DynamoDB Local and the local SES endpoint, with the environment a mail-handling Lambda gets in
 * the stack, for suites that call one handler directly. Import the handler only after this
 * resolves: its SDK clients read the endpoints when they are created.
 */
export const startMailFixture = async (
  name: string,
  onEvent?: SesEndpointOptions['onEvent'],
): Promise<MailFixture> => {
  const tableName = `leadflow-${name}-test`;
  const dataDir = mkdtempSync(join(tmpdir(), `leadflow-${name}-`));
  const dynamodb = await startDynamoDbLocal(dataDir);
  const ses = await startSesEndpoint({
    dataDir,
    clock: new VirtualClock({ mode: 'manual' }),
    ...(onEvent ? { onEvent } : {}),
  });
  Object.assign(process.env, {
    AWS_REGION: localRegion,
    AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: dynamodb.endpoint,
    AWS_ENDPOINT_URL_SESV2: ses.endpoint,
    TABLE_NAME: tableName,
    SENDER_ADDRESS: 'Leadflow Demo <hello@example.com>',
    SES_CONFIGURATION_SET: 'leadflow',
    POSTAL_ADDRESS: 'Leadflow Demo Inc., 100 Main Street, Springfield, OR 97477, USA',
    UNSUBSCRIBE_URL: 'http://127.0.0.1:3000/v1/unsubscribe',
    SITE_URL: 'https://www.example.com',
  });
  const client = localDynamoDbClient(dynamodb.endpoint);
  await ensureTable(client, tableName);
  client.destroy();
  const { sendMarketingEmail } = await import('../../functions/adapters/mailer.js');
  const { ContactRepository } = await import('../../functions/adapters/contact-repository.js');
  const { JourneyRepository } = await import('../../functions/adapters/journey-repository.js');
  const contacts = new ContactRepository(tableName);

  return {
    contacts,
    journeys: new JourneyRepository(tableName),
    sendMarketingEmail,
    outbox: () => ses.outbox(),
    createContact: async (email = `jane.${randomUUID()}@example.com`) => {
      const parsed = parseSubmission({ email, firstName: 'Jane', consent: true });
      if (!parsed.ok) throw new Error('bad test submission');
      const contactId = randomUUID();
      const touch = touchFromSubmission(parsed.value, { touchId: randomUUID(), contactId }, new Date());
      const contact = newContact(parsed.value, touch, defaultRules);
      // Consented as if it had confirmed: these suites are about what happens to mail after.
      contact.consent = { marketing: true, updatedAt: touch.receivedAt };
      if (!(await contacts.createContact(contact))) {
        throw new Error('test contact not created');
      }
      return contactId;
    },
    stop: async () => {
      await ses.stop();
      await dynamodb.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
