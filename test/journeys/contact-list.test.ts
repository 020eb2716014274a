import { beforeAll, describe, expect, it } from 'vitest';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { contactIdFor } from '../support/table-keys.js';

interface ListItem {
  contactId: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  stage: string;
  channel: string;
  createdAt: string;
}
interface ListPage {
  items: ListItem[];
  nextCursor: string | null;
}

const runtime = useRuntime({ env: journeyEnv });
const channelsUsed = ['organic_search', 'email', 'event', 'partner', 'blog'] as const;

/** What the test made, by index, to compute each filter's expected set from. */
interface Made {
  i: number;
  email: string;
  lastName: string;
  company: string;
  channel: string;
  stage: string;
  batch: number;
  contactId: string;
}
const made: Made[] = [];

const lead = (i: number, batch: number) => {
  const paid = i % 9 === 0;
  // Only in the last batch: a sales lead nobody answers is recycled as the clock moves on.
  const ready = batch === 2 && i % 5 === 0;
  return {
    i,
    batch,
    email: `Lister${i}@Example.com`,
    firstName: i % 2 ? 'Ada' : 'Linus',
    lastName: i % 11 === 0 ? `Quillfeather` : `Smith${i}`,
    company: i % 7 === 0 ? 'Globex Corporation' : `Firm ${i}`,
    channel: paid ? 'paid_search' : (channelsUsed[i % channelsUsed.length] ?? 'direct'),
    source: paid
      ? { utm_source: 'google', utm_medium: 'cpc' }
      : { channel: channelsUsed[i % channelsUsed.length] },
    ...(ready ? { buyingStage: 'ready_to_talk' } : {}),
    stage: ready ? 'sales_lead' : 'name',
  };
};

/** Posts leads `from`..`to` in parallel batches of 25. */
const create = async (from: number, to: number, batch: number) => {
  for (let start = from; start < to; start += 25) {
    const leads = Array.from({ length: Math.min(25, to - start) }, (_, k) => lead(start + k, batch));
    await Promise.all(
      leads.map(async ({ stage, channel, i, batch: b, ...fields }) => {
        const { source, buyingStage, ...profile } = fields;
        const response = await runtime.call('/v1/contacts', {
          method: 'POST',
          json: { ...profile, source, ...(buyingStage ? { buyingStage } : {}) },
        });
        expect(response.status).toBe(202);
        const contactId = (await contactIdFor(runtime, fields.email)) ?? '';
        made.push({
          i,
          email: fields.email,
          lastName: fields.lastName,
          company: fields.company,
          channel,
          stage,
          batch: b,
          contactId,
        });
      }),
    );
  }
};

const list = async (query: string): Promise<ListPage> => {
  const response = await runtime.call(`/v1/contacts?${query}`, { admin: true });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as ListPage;
};

/** Every page of a listing, in order. */
const listAll = async (query: string, limit = 37): Promise<ListItem[]> => {
  const items: ListItem[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 100; pages++) {
    const page: ListPage = await list(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) return items;
  }
  throw new Error('The listing did not end');
};

/** The UTC day each batch was created on, as the listing shows it. */
const creationDays = async () => {
  const all = await listAll('sort=oldest', 200);
  return (batch: number) =>
    all
      .find((item) => made.find((c) => c.contactId === item.contactId)?.batch === batch)
      ?.createdAt.slice(0, 10) ?? '';
};

const ids = (items: { contactId: string }[]) => items.map((item) => item.contactId).sort();
const idsWhere = (test: (contact: Made) => boolean) => ids(made.filter(test));

beforeAll(async () => {
  // Three creation months: the listing walks gsi2's monthly partitions. Few contacts before each
  // move of the clock: it runs every journey's due steps.
  await create(0, 20, 0);
  await runtime.advance('35d');
  await create(20, 40, 1);
  await runtime.advance('35d');
  await create(40, 250, 2);
  await runtime.settle();
  for (const contact of made.filter(({ i }) => i % 30 === 1)) {
    const response = await runtime.call(`/v1/contacts/${contact.contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'engaged' },
    });
    expect(response.status).toBe(202);
    contact.stage = 'engagement';
  }
  await runtime.settle();
}, 600_000);

describe('GET /v1/contacts', () => {
  it('pages through every contact exactly once, newest first', async () => {
    const items = await listAll('sort=newest');

    expect(items).toHaveLength(250);
    expect(ids(items)).toEqual(ids(made));
    const created = items.map((item) => item.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    // The manual clock stands still between intakes: within a batch, the order is the contact id's.
    const first = made.find((contact) => contact.contactId === items[0]?.contactId);
    expect(first?.batch).toBe(2);
    expect(items[0]).toEqual({
      contactId: first?.contactId,
      email: first?.email,
      firstName: first && first.i % 2 ? 'Ada' : 'Linus',
      lastName: first?.lastName,
      company: first?.company,
      stage: first?.stage,
      score: expect.any(Number),
      channel: first?.channel,
      createdAt: expect.any(String),
      // A sales lead's answer deadline and why it was handed over: the sales queue shows both.
      ...(first?.stage === 'sales_lead'
        ? { salesAnswerDueAt: expect.any(String), handoffReason: expect.any(String) }
        : {}),
    });
  });

  it('lists oldest first for a sales queue', async () => {
    const items = await listAll('sort=oldest', 50);

    expect(ids(items)).toEqual(ids(made));
    const created = items.map((item) => item.createdAt);
    expect(created).toEqual([...created].sort());
  });

  it('answers 50 by default, and keeps the exact email lookup', async () => {
    expect((await list('')).items).toHaveLength(50);
    const found = await list('email=lister17@example.COM');
    expect(found).toEqual({
      items: [expect.objectContaining({ email: 'Lister17@Example.com' })],
      nextCursor: null,
      asOf: (await (await runtime.call('/_local/clock')).json()).now,
    });
  });

  it('filters by stage', async () => {
    expect(ids(await listAll('stage=sales_lead'))).toEqual(idsWhere((c) => c.stage === 'sales_lead'));
    expect(ids(await listAll('stage=engagement', 3))).toEqual(idsWhere((c) => c.stage === 'engagement'));
    expect(ids(await listAll('stage=name'))).toEqual(idsWhere((c) => c.stage === 'name'));
  });

  it('finds by part of a name, a company or an email, whatever the case', async () => {
    expect(ids(await listAll('q=QUILLfeath'))).toEqual(idsWhere((c) => c.lastName === 'Quillfeather'));
    expect(ids(await listAll('q=globex%20CORP'))).toEqual(
      idsWhere((c) => c.company === 'Globex Corporation'),
    );
    expect(ids(await listAll('q=LISTER17@'))).toEqual(idsWhere((c) => c.i === 17));
    expect(ids(await listAll('q=ada%20smith249'))).toEqual(idsWhere((c) => c.i === 249));
    expect(await listAll('q=nobody-here')).toEqual([]);
  });

  it('filters by the first touch’s channel, also with a stage and a search', async () => {
    expect(ids(await listAll('channel=paid_search'))).toEqual(idsWhere((c) => c.channel === 'paid_search'));
    expect(ids(await listAll('channel=event&stage=name&q=linus'))).toEqual(
      idsWhere((c) => c.channel === 'event' && c.stage === 'name' && c.i % 2 === 0),
    );
  });

  it('filters by the created period, days included whole', async () => {
    const dayOf = await creationDays();
    const middle = dayOf(1);

    expect(ids(await listAll(`createdFrom=${middle}&createdTo=${middle}`))).toEqual(
      idsWhere((c) => c.batch === 1),
    );
    expect(ids(await listAll(`createdFrom=${middle}`))).toEqual(idsWhere((c) => c.batch >= 1));
    expect(ids(await listAll(`createdTo=${middle}&sort=oldest`))).toEqual(idsWhere((c) => c.batch <= 1));
    expect(ids(await listAll(`createdFrom=${middle}&stage=sales_lead`))).toEqual(
      idsWhere((c) => c.batch >= 1 && c.stage === 'sales_lead'),
    );
  });

  it('filters a stage by when its contacts entered it, not by their last journey step', async () => {
    const dayOf = await creationDays();
    // Still at name since they were created, though their journeys have sent them emails since.
    expect(ids(await listAll(`stage=name&enteredTo=${dayOf(0)}`, 7))).toEqual(
      idsWhere((c) => c.batch === 0 && c.stage === 'name'),
    );
    // Engaged today, whenever they were created.
    const engaged = idsWhere((c) => c.stage === 'engagement');
    expect(engaged.length).toBeGreaterThan(3);
    expect(ids(await listAll(`stage=engagement&enteredFrom=${dayOf(2)}`, 3))).toEqual(engaged);
    expect(ids(await listAll(`stage=engagement&enteredTo=${dayOf(1)}`))).toEqual([]);
  });

  it.each([
    ['enteredFrom=2026-05-02', 'stage'],
    ['stage=lead&enteredFrom=2026-05-02&enteredTo=2026-05-01', 'enteredTo'],
    ['stage=nowhere', 'stage'],
    ['channel=carrier_pigeon', 'channel'],
    ['createdFrom=yesterday', 'createdFrom'],
    ['createdTo=2026-13-01', 'createdTo'],
    ['createdFrom=2026-05-02&createdTo=2026-05-01', 'createdTo'],
    ['limit=0', 'limit'],
    ['limit=201', 'limit'],
    ['limit=ten', 'limit'],
    ['sort=sideways', 'sort'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('{"filter":"[]","key":{"__proto__":"x"}}').toString('base64url')}`, 'cursor'],
    ['colour=red', 'colour'],
  ])('refuses %s, naming %s', async (query, path) => {
    const response = await runtime.call(`/v1/contacts?${query}`, { admin: true });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: 'validation_failed',
        message: expect.any(String),
        issues: [{ path, message: expect.any(String) }],
      },
    });
  });

  it('refuses a cursor used with other filters than it was made for', async () => {
    const { nextCursor } = await list('channel=email&limit=5');
    expect(nextCursor).toEqual(expect.any(String));

    const response = await runtime.call(`/v1/contacts?channel=event&limit=5&cursor=${nextCursor}`, {
      admin: true,
    });

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { issues: { path: string }[] } }).error.issues).toEqual([
      { path: 'cursor', message: expect.any(String) },
    ]);
    expect((await list(`channel=email&limit=10&cursor=${nextCursor}`)).items.length).toBeGreaterThan(0);
  });
});
