import { readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { RulesPreview } from '../../functions/domain/rules-preview.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';
import { allTableItems } from '../support/table-keys.js';

/**
 * The qualification rules as versioned data, end to end on the local runtime: the contract every
 * versioned resource shares, a preview that says what a publish then does, and a believable path
 * from a white paper to a sales lead whose score names each cause.
 */
const salesInbox = 'sales@leadflow.example';
const runtime = useRuntime({ env: journeyEnv });
let sequence = 0;

type Rules = {
  version: number;
  thresholds: { lead: number; salesLead: number };
  publishedBy?: { sub: string };
  note?: string;
} & Record<string, unknown>;

const getRules = async () => {
  const response = await runtime.call('/v1/rules', { admin: true });
  expect(response.status).toBe(200);
  return { etag: response.headers.get('etag'), rules: (await response.json()) as Rules };
};

const putRules = (body: unknown, ifMatch?: string) =>
  runtime.call('/v1/rules', {
    method: 'PUT',
    admin: true,
    json: body,
    ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
  });

const submit = (fields: Record<string, unknown>) => submitLead(runtime, fields);

const engage = async (contactId: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}/events`, {
    method: 'POST',
    admin: true,
    json: { type: 'engaged' },
  });
  expect(response.status).toBe(202);
  await runtime.settle();
};

interface ContactView {
  stage: string;
  score: number;
  stageHistory?: { from: string; to: string; reason: string; by?: string; decisionReason?: string }[];
  scoreExplanation: {
    score: number;
    causes: { cause: string; label: string; points: number }[];
    fit: { result: string; rule?: string };
    thresholds: { lead: number; salesLead: number };
  };
}

const view = async (contactId: string): Promise<ContactView> => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as ContactView;
};

const rulesItems = async () =>
  (await allTableItems(runtime)).filter((item) => String(item.pk) === 'RULES').length;

describe('the rules API', () => {
  it('answers the rules in force as version 0 with an ETag', async () => {
    const { etag, rules } = await getRules();
    expect(etag).toBe('"0"');
    expect(rules.version).toBe(0);
    expect(rules.thresholds).toEqual({ lead: 40, salesLead: 70 });
    expect(rules.fit).toEqual(expect.arrayContaining([expect.objectContaining({ mark: 'target' })]));
  });

  it('wants If-Match before it reads the body, and refuses a stale one', async () => {
    const { rules } = await getRules();
    expect((await putRules(rules)).status).toBe(428);
    const stale = await putRules('not even json', '"7"');
    expect(stale.status).toBe(409);
    expect(await stale.json()).toMatchObject({ error: { code: 'version_conflict' } });
    expect(await rulesItems()).toBe(0);
  });

  it('refuses invalid fields by name and publishes nothing', async () => {
    const { rules } = await getRules();
    const response = await putRules(
      { ...rules, thresholds: { lead: 80, salesLead: 60 }, salesAnswerWithinDays: 'soon' },
      '"0"',
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.issues.map((issue) => issue.path).sort()).toEqual(['salesAnswerWithinDays']);
    const crossField = await putRules({ ...rules, thresholds: { lead: 80, salesLead: 60 } }, '"0"');
    expect(((await crossField.json()) as typeof body).error.issues).toEqual([
      { path: 'thresholds.salesLead', message: 'must be above the lead threshold' },
    ]);
    expect(await rulesItems()).toBe(0);
    expect((await getRules()).rules.version).toBe(0);
  });

  it('takes back what GET gave, keeps every version with its publisher, and rolls back', async () => {
    const { rules } = await getRules();
    const same = await putRules({ ...rules, note: 'as it was' }, '"0"');
    expect(same.status).toBe(202);
    expect(same.headers.get('etag')).toBe('"1"');
    const first = (await same.json()) as Rules;
    expect(first).toMatchObject({ version: 1, note: 'as it was', publishedBy: { sub: 'local-admin' } });

    const stricter = await putRules({ ...first, thresholds: { lead: 45, salesLead: 75 } }, '"1"');
    expect(stricter.status).toBe(202);
    const versions = (await (await runtime.call('/v1/rules/versions', { admin: true })).json()) as {
      versions: Rules[];
    };
    expect(versions.versions.map((version) => version.version)).toEqual([2, 1, 0]);
    expect(versions.versions[0]?.thresholds).toEqual({ lead: 45, salesLead: 75 });

    // A rollback is a PUT of the older version's content.
    const back = await putRules(versions.versions[1], '"2"');
    expect(back.status).toBe(202);
    const rolledBack = (await back.json()) as Rules & { job: { id: string } };
    expect(rolledBack.version).toBe(3);
    expect(rolledBack.thresholds).toEqual({ lead: 40, salesLead: 70 });
    // The publish answers the rules with the job that takes them to the contacts.
    expect(rolledBack.job).toMatchObject({ id: 'rules-v3', kind: 'rules_publish' });
    const { version: _a, updatedAt: _b, note: _c, publishedBy: _d, job: _j, ...content } = rolledBack;
    const { version: _e, updatedAt: _f, note: _g, publishedBy: _h, ...original } = rules;
    expect(content).toEqual(original);
  });
});

describe('a believable path to sales', () => {
  it('white paper from search, two clicks, a demo request: a sales lead whose score names each cause', async () => {
    const email = `dana-${++sequence}@acme-${Date.now()}.example`;
    const source = { channel: 'organic_search', utm_source: 'google' };
    const contactId = await submit({
      email,
      firstName: 'Dana',
      lastName: 'Reyes',
      company: 'Acme Corp',
      consent: true,
      form: 'guide',
      offer: { type: 'white_paper' },
      source,
    });
    expect((await view(contactId)).stage).toBe('name');

    await engage(contactId);
    expect((await view(contactId)).stage).toBe('target');
    await engage(contactId);
    const lead = await view(contactId);
    expect(lead).toMatchObject({ stage: 'lead', score: 40 });

    await submit({ email, form: 'landing-demo', offer: { type: 'demo' }, source });
    const sales = await view(contactId);
    expect(sales.stage).toBe('sales_lead');
    expect(sales.scoreExplanation.score).toBe(sales.score);
    expect(sales.scoreExplanation.causes).toEqual([
      { cause: 'where', label: 'organic_search (google)', points: 10, at: expect.any(String) },
      { cause: 'what', label: 'form guide', points: 0, at: expect.any(String) },
      { cause: 'why', label: 'white_paper', points: 10, at: expect.any(String) },
      { cause: 'where', label: 'organic_search (google)', points: 10, at: expect.any(String) },
      { cause: 'what', label: 'form landing-demo', points: 0, at: expect.any(String) },
      { cause: 'why', label: 'demo', points: 30, at: expect.any(String) },
      { cause: 'engagement', label: 'clicked a link in an email ×2', points: 20 },
      { cause: 'engagement', label: 'came back with another form ×1', points: 5 },
    ]);
    expect(sales.scoreExplanation.fit).toEqual({ result: 'target', rule: 'Named company on a work address' });

    const events = (await (await runtime.call('/_local/events')).json()) as {
      detailType: string;
      detail: { contactId: string };
    }[];
    const ready = events.filter(
      (e) => e.detailType === 'Sales Lead Ready' && e.detail.contactId === contactId,
    );
    expect(ready).toHaveLength(1);
    const handoffs = [];
    for (const mail of (await runtime.outbox()).filter((m) => m.to === salesInbox)) {
      const parsed = await simpleParser(await readFile(mail.path));
      if (String(parsed.html).includes(`/admin#contact/${contactId}`)) handoffs.push(parsed);
    }
    expect(handoffs).toHaveLength(1);
    // The email says why, as the contact page does.
    expect(handoffs[0]?.text).toMatch(/demo\s+\+30/);
    expect(handoffs[0]?.text).toMatch(/clicked a link in an email ×2\s+\+20/);

    // Sales rejects it with a reason: recycled, the reason kept.
    const rejected = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'sales_rejected', reason: 'no_budget', note: 'Next fiscal year' },
    });
    expect(rejected.status).toBe(202);
    await runtime.settle();
    const recycled = await view(contactId);
    expect(recycled.stage).toBe('recycled');
    expect(recycled.stageHistory?.at(-1)).toMatchObject({
      from: 'sales_lead',
      to: 'recycled',
      decisionReason: 'no_budget',
      decisionNote: 'Next fiscal year',
    });
  }, 90_000);
});

describe('previewing a change of the rules', () => {
  it('counts what publishing then does, contact by contact', async () => {
    // Five fitting contacts that engaged once: 20 or 18 points, at target under the rules in force.
    const ids: string[] = [];
    for (const offer of ['white_paper', 'white_paper', 'ebook', 'ebook', 'case_study']) {
      const id = await submit({
        email: `fit-${++sequence}@globex-${Date.now()}.example`,
        company: 'Globex',
        consent: true,
        offer: { type: offer },
        source: { channel: 'blog' },
      });
      await engage(id);
      ids.push(id);
    }
    for (const id of ids) expect((await view(id)).stage).toBe('target');

    const { rules, etag } = await getRules();
    const draft = { ...rules, thresholds: { lead: 27, salesLead: 70 }, note: 'lower the bar' };
    const previewed = await runtime.call('/v1/rules/preview', { method: 'POST', admin: true, json: draft });
    expect(previewed.status).toBe(200);
    const preview = (await previewed.json()) as RulesPreview;
    // blog 8 + white paper 10 + click 10 = 28 ≥ 27; blog 8 + ebook 8 + 10 = 26; blog 8 + case study 10 + 10 = 28.
    const toLead = preview.moves.find((move) => move.from === 'target' && move.to === 'lead');
    expect(toLead?.count).toBe(3);
    expect(preview.examples.length).toBeGreaterThan(0);
    expect(preview.examples[0]).toMatchObject({ stage: { now: 'target', current: 'target', draft: 'lead' } });
    // Nothing changed by looking.
    for (const id of ids) expect((await view(id)).stage).toBe('target');

    const before = new Map<string, number>();
    for (const move of preview.moves) before.set(`${move.from}>${move.to}`, move.count);
    const atLeadBefore = await countAt('lead');

    const published = await putRules(draft, etag ?? '');
    expect(published.status).toBe(202);
    await runtime.settle();
    expect(await countAt('lead')).toBe(atLeadBefore + (toLead?.count ?? 0));
    const moved = await Promise.all(ids.map(async (id) => (await view(id)).stage));
    expect(moved.filter((stage) => stage === 'lead')).toHaveLength(3);
    // A second preview of the same rules now finds nothing to move.
    const again = (await (
      await runtime.call('/v1/rules/preview', { method: 'POST', admin: true, json: draft })
    ).json()) as RulesPreview;
    expect(again.moves).toEqual([]);
  }, 120_000);
});

const countAt = async (stage: string): Promise<number> => {
  const response = await runtime.call(`/v1/contacts?stage=${stage}&limit=100`, { admin: true });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: unknown[] }).items.length;
};
