import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultRules } from '../../functions/domain/qualification.js';
import { sendContactEvent } from '../support/emulated-aws.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { parseMail, signUpWithLink } from '../support/mail-links.js';

let runtime: RunningRuntime;
let sequence = 0;
const day = 86_400_000;

beforeAll(async () => {
  runtime = await startRuntime({ env: journeyEnv });
});

afterAll(async () => {
  await runtime?.stop();
});

interface EmailView {
  track: string;
  round?: number;
  step?: string;
  replyTo?: string;
  template?: { name: string; version?: number };
  sentAt?: string;
  status: string;
  outcomes: Record<string, string>;
}
interface ContactView {
  contactId: string;
  stage: string;
  createdAt: string;
  journey?: { stageSince: string; track?: string };
  stageHistory?: { from: string; to: string; at: string; reason: string; by?: string }[];
  emails: EmailView[];
  decisions: string[];
  salesAnswerDueAt?: string;
}
interface ListItem {
  contactId: string;
  stage: string;
  salesAnswerDueAt?: string;
}

const uniqueEmail = (label: string) => `${label}-${++sequence}-${Date.now()}@example.com`;

const submit = (fields: Record<string, unknown>) => submitLead(runtime, fields);

const view = async (contactId: string): Promise<ContactView> => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as ContactView;
};

const salesLeads = async (): Promise<ListItem[]> => {
  const response = await runtime.call('/v1/contacts?stage=sales_lead&sort=oldest&limit=200', { admin: true });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: ListItem[] }).items;
};

describe('GET /v1/contacts/{id} for the sales workspace', () => {
  it('lists the emails sent with the status SES reported, the reply to a request among them', async () => {
    const contactId = await submit({
      email: uniqueEmail('mailed'),
      firstName: 'Mia',
      consent: true,
      offer: { type: 'ebook', id: 'pipeline-report-2027' },
    });

    const { emails } = await view(contactId);

    // The local SES delivers every message and publishes the Delivery event.
    expect(emails).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          track: 'nurture',
          round: 1,
          step: 'welcome',
          template: { name: 'welcome', version: expect.any(Number) },
          sentAt: expect.any(String),
          status: 'delivered',
          outcomes: { delivered: expect.any(String) },
        }),
        expect.objectContaining({
          track: 'transactional',
          replyTo: expect.any(String),
          template: { name: expect.any(String), version: expect.any(Number) },
          status: 'delivered',
        }),
      ]),
    );
    expect(emails).toHaveLength(2);
  });

  it('gives a sales lead its answer deadline, in the view and in the list, until sales decides', async () => {
    const contactId = await submit({
      email: uniqueEmail('queued'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });

    const lead = await view(contactId);
    expect(lead.stage).toBe('sales_lead');
    const since = Date.parse(lead.journey?.stageSince ?? lead.createdAt);
    const dueAt = new Date(since + defaultRules.salesAnswerWithinDays * day).toISOString();
    expect(lead.salesAnswerDueAt).toBe(dueAt);
    expect((await salesLeads()).find((item) => item.contactId === contactId)?.salesAnswerDueAt).toBe(dueAt);

    await sendContactEvent(runtime, contactId, 'sales_accepted');

    const opportunity = await view(contactId);
    expect(opportunity.stage).toBe('opportunity');
    expect(opportunity).not.toHaveProperty('salesAnswerDueAt');
    // Who decided: the local admin token's user.
    expect(opportunity.stageHistory?.at(-1)).toMatchObject({
      from: 'sales_lead',
      to: 'opportunity',
      reason: 'sales accepted',
      by: 'local-admin',
    });
    expect((await salesLeads()).some((item) => item.contactId === contactId)).toBe(false);
  });

  it("keeps a rejection's reason code and note in the stage history, and offers only decisions that fit", async () => {
    const contactId = await submit({
      email: uniqueEmail('declined'),
      consent: true,
      buyingStage: 'ready_to_talk',
    });
    expect((await view(contactId)).decisions).toEqual(['sales_accepted', 'sales_rejected', 'won', 'lost']);

    const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'sales_rejected', reason: 'no_budget', note: 'Budget frozen until Q3' },
    });
    expect(response.status).toBe(202);
    await runtime.settle();

    const recycled = await view(contactId);
    expect(recycled.stageHistory?.at(-1)).toEqual({
      from: 'sales_lead',
      to: 'recycled',
      at: expect.any(String),
      reason: 'sales rejected',
      by: 'local-admin',
      decisionReason: 'no_budget',
      decisionNote: 'Budget frozen until Q3',
    });
    expect(recycled.decisions).toEqual(['won']);
  });

  it('answers a decision that does not fit the stage with 409', async () => {
    const contactId = await submit({ email: uniqueEmail('nurtured'), consent: true });
    const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'sales_accepted' },
    });
    expect(response.status).toBe(409);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('decision_not_allowed');
  });
});

describe('DELETE /v1/contacts/{id} with Prefer: return=representation', () => {
  it('answers the erasure receipt: whom, who, when', async () => {
    const contactId = await submit({ email: uniqueEmail('receipt'), consent: true });

    const response = await runtime.call(`/v1/contacts/${contactId}`, {
      method: 'DELETE',
      admin: true,
      headers: { prefer: 'return=representation' },
    });

    expect(response.status).toBe(200);
    expect(response.headers.get('preference-applied')).toBe('return=representation');
    const receipt = (await response.json()) as { contactId: string; erasedAt: string; erasedBy: unknown };
    expect(receipt).toEqual({ contactId, erasedAt: expect.any(String), erasedBy: { sub: 'local-admin' } });
    expect(Date.parse(receipt.erasedAt)).not.toBeNaN();
    expect((await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).status).toBe(404);
  });
});

describe('a contact that unsubscribed', () => {
  const unsubscribeWith = async (welcome: Parameters<typeof parseMail>[0]) => {
    const header = (await parseMail(welcome)).headerLines.find((line) => line.key === 'list-unsubscribe');
    const link = /<(http[^>]+)>/.exec(header?.line ?? '')?.[1] ?? '';
    const url = new URL(link);
    const response = await runtime.call(`${url.pathname}${url.search}`, { method: 'POST' });
    expect(response.status).toBe(200);
  };

  it('has been unsubscribed since it unsubscribed, and the list by stage sorts by that', async () => {
    const earlier = await signUpWithLink(runtime, uniqueEmail('leaver-a'), {});
    await runtime.advance('1d');
    const later = await signUpWithLink(runtime, uniqueEmail('leaver-b'), {});
    await runtime.advance('1d');

    // The contact created later leaves first.
    await unsubscribeWith(later.welcome);
    await runtime.advance('1d');
    await unsubscribeWith(earlier.welcome);
    await runtime.settle();

    const [a, b] = [await view(earlier.contactId), await view(later.contactId)];
    for (const contact of [a, b]) {
      expect(contact.stage).toBe('unsubscribed');
      expect(contact.stageHistory?.at(-1)).toMatchObject({ to: 'unsubscribed' });
      expect(contact.journey?.stageSince).toBe(contact.stageHistory?.at(-1)?.at);
    }
    expect(Date.parse(b.journey?.stageSince ?? '') - Date.parse(b.createdAt)).toBeGreaterThanOrEqual(day);
    const response = await runtime.call('/v1/contacts?stage=unsubscribed&sort=oldest&limit=200', {
      admin: true,
    });
    const ids = ((await response.json()) as { items: ListItem[] }).items.map((item) => item.contactId);
    expect(ids.filter((id) => id === a.contactId || id === b.contactId)).toEqual([b.contactId, a.contactId]);
  });
});
