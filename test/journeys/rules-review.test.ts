import { describe, expect, it } from 'vitest';
import type { RulesPreview } from '../../functions/domain/rules-preview.js';
import { submitLead } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

/**
 * A review of the rules and sales features as a demanding user meets them: rules as big as the
 * validation allows, the labels a real landing page sends, and two reps deciding at once.
 */
const runtime = useRuntime({ env: journeyEnv });
let sequence = 0;

type Rules = Record<string, unknown> & {
  version: number;
  points: { channels: Record<string, number>; forms: Record<string, number>; offers: Record<string, number> };
  fit: unknown[];
};

const getRules = async () => {
  const response = await runtime.call('/v1/rules', { admin: true });
  expect(response.status).toBe(200);
  return { etag: response.headers.get('etag') ?? '', rules: (await response.json()) as Rules };
};

const putRules = (body: unknown, ifMatch: string) =>
  runtime.call('/v1/rules', { method: 'PUT', admin: true, json: body, headers: { 'if-match': ifMatch } });

const submit = (fields: Record<string, unknown>) => submitLead(runtime, fields);

interface View {
  stage: string;
  stageHistory?: { from: string; to: string; reason: string }[];
  scoreExplanation: { causes: { cause: string; label: string; points: number }[] };
}
const view = async (contactId: string): Promise<View> => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as View;
};

const table = (prefix: string) =>
  Object.fromEntries(
    Array.from({ length: 60 }, (_, i) => [`${prefix}-${String(i).padStart(2, '0')}`.padEnd(40, 'x'), i]),
  );

const words = (rule: number, condition: number, length: number) =>
  Array.from({ length: 30 }, (_, i) => `w${rule}-${condition}-${i}-`.padEnd(length, 'k'));

describe('rules as large as the validation allows', () => {
  it('takes back what GET gave for full tables and long keyword lists, and names the field past the storable size', async () => {
    const { rules, etag } = await getRules();
    // 60 labels in every table, 20 fit rules of 10 conditions of 30 keywords of 12 characters.
    const big = {
      ...rules,
      points: {
        ...rules.points,
        channels: table('ch'),
        forms: table('form'),
        offers: table('offer'),
      },
      fit: Array.from({ length: 20 }, (_, r) => ({
        name: `Rule ${r}`,
        mark: r === 0 ? 'disqualified' : 'target',
        when: Array.from({ length: 10 }, (_, c) => ({
          field: 'jobTitle',
          test: 'containsAny',
          values: words(r, c, 12),
        })),
      })),
      note: 'every keyword sales asked for',
    };
    const published = await putRules(big, etag);
    expect(published.status, await published.clone().text()).toBe(202);
    const again = await getRules();
    expect(again.rules.fit).toEqual(big.fit);
    // What GET gave, PUT takes back: with its version, publisher and note.
    const roundTrip = await putRules(again.rules, again.etag);
    expect(roundTrip.status).toBe(202);

    // Keywords as long as a word may be: valid one by one, too much to store as one document.
    const latest = await getRules();
    const huge = {
      ...latest.rules,
      fit: big.fit.map((rule, r) => ({
        ...rule,
        when: rule.when.map((condition, c) => ({ ...condition, values: words(r, c, 80) })),
      })),
    };
    const refused = await putRules(huge, latest.etag);
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { issues: { path: string; message: string }[] } };
    expect(body.error.issues).toEqual([{ path: 'fit', message: expect.stringMatching(/at most/) }]);
    expect((await getRules()).rules.version).toBe(latest.rules.version);

    // Back to the defaults for the rest of the suite.
    const versions = (await (await runtime.call('/v1/rules/versions', { admin: true })).json()) as {
      versions: Rules[];
    };
    expect((await putRules(versions.versions.at(-1), latest.etag)).status).toBe(202);
  }, 120_000);
});

describe('labels as landing pages and ad tools send them', () => {
  it('scores a form named Contact-Us and an offer in German once marketing names them', async () => {
    const { rules, etag } = await getRules();
    const draft = {
      ...rules,
      points: {
        ...rules.points,
        forms: { ...rules.points.forms, 'contact-us': 20 },
        offers: { ...rules.points.offers, führung: 12 },
      },
    };
    const published = await putRules(draft, etag);
    expect(published.status).toBe(202);

    const contactId = await submit({
      email: `form-${++sequence}@initech-${Date.now()}.example`,
      company: 'Initech',
      form: 'Contact-Us',
      offerType: 'Führung',
    });
    const { causes } = (await view(contactId)).scoreExplanation;
    expect(causes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ cause: 'what', label: 'form Contact-Us', points: 20 }),
        expect.objectContaining({ cause: 'why', label: 'führung', points: 12 }),
      ]),
    );
  }, 60_000);

  it('refuses two labels of one table that name the same thing', async () => {
    const { rules, etag } = await getRules();
    const response = await putRules(
      { ...rules, points: { ...rules.points, offers: { ...rules.points.offers, 'white-paper': 50 } } },
      etag,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
    expect(body.error.issues).toEqual([
      { path: 'points.offers.white-paper', message: expect.stringContaining('white_paper') },
    ]);
  });
});

describe('keywords the editor lists with commas', () => {
  it('refuses a keyword with a comma in it, which the editor would save back as two', async () => {
    const { rules, etag } = await getRules();
    const response = await putRules(
      {
        ...rules,
        fit: [
          {
            name: 'Big incorporated companies',
            mark: 'target',
            when: [{ field: 'company', test: 'containsAny', values: ['Acme, Inc', 'Globex'] }],
          },
        ],
      },
      etag,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { issues: { path: string; message: string }[] } };
    expect(body.error.issues).toEqual([
      { path: 'fit.0.when.0.values.0', message: expect.stringContaining('comma') },
    ]);
    expect((await getRules()).etag).toBe(etag);
  });
});

describe('two reps deciding on one sales lead at once', () => {
  it('records one decision and refuses the other with 409, so nobody is told a decision counted that did not', async () => {
    const contactId = await submit({
      email: `race-${++sequence}@hooli-${Date.now()}.example`,
      company: 'Hooli',
      buyingStage: 'ready_to_talk',
    });
    expect((await view(contactId)).stage).toBe('sales_lead');
    const decide = (type: string, extra: Record<string, unknown> = {}) =>
      runtime.call(`/v1/contacts/${contactId}/events`, {
        method: 'POST',
        admin: true,
        json: { type, ...extra },
      });
    const answers = await Promise.all([
      decide('sales_accepted', { eventId: 'accept-1' }),
      decide('sales_rejected', { reason: 'no_budget', eventId: 'reject-1' }),
    ]);
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([202, 409]);
    // The same request retried is the same decision, not a conflict.
    const winner = answers[0]?.status === 202 ? 'accept-1' : 'reject-1';
    const retried =
      winner === 'accept-1'
        ? await decide('sales_accepted', { eventId: winner })
        : await decide('sales_rejected', { reason: 'no_budget', eventId: winner });
    expect(retried.status).toBe(202);
    await runtime.settle();
    const after = await view(contactId);
    expect(after.stage).toBe(winner === 'accept-1' ? 'opportunity' : 'recycled');
    expect(after.stageHistory?.filter((change) => change.from === 'sales_lead')).toHaveLength(1);
    // Once the first decision moved the contact, the next stage takes its own decision.
    if (winner === 'accept-1') expect((await decide('won')).status).toBe(202);
  }, 60_000);
});

describe('rules that make everyone a sales lead', () => {
  it('says in the preview how many handoffs publishing sends to the sales inbox at once, and publishing sends that many', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        await submit({
          email: `flood-${++sequence}@umbrella-${Date.now()}.example`,
          company: 'Umbrella',
          offer: { type: 'ebook' },
          source: { channel: 'blog' },
        }),
      );
      const engaged = await runtime.call(`/v1/contacts/${ids.at(-1)}/events`, {
        method: 'POST',
        admin: true,
        json: { type: 'engaged' },
      });
      expect(engaged.status).toBe(202);
      await runtime.settle();
    }
    const { rules, etag } = await getRules();
    const draft = { ...rules, thresholds: { lead: 1, salesLead: 2 }, note: 'everyone to sales' };
    const previewed = await runtime.call('/v1/rules/preview', { method: 'POST', admin: true, json: draft });
    expect(previewed.status).toBe(200);
    const preview = (await previewed.json()) as RulesPreview;
    const toSales = preview.moves
      .filter((move) => move.to === 'sales_lead')
      .reduce((n, move) => n + move.count, 0);
    expect(toSales).toBeGreaterThanOrEqual(3);
    expect(preview.salesHandoffs).toBe(toSales);

    const inboxBefore = (await runtime.outbox()).filter(
      (mail) => mail.to === 'sales@leadflow.example',
    ).length;
    expect((await putRules(draft, etag)).status).toBe(202);
    await runtime.settle();
    const inboxAfter = (await runtime.outbox()).filter((mail) => mail.to === 'sales@leadflow.example').length;
    expect(inboxAfter - inboxBefore).toBe(preview.salesHandoffs);
    for (const id of ids) expect((await view(id)).stage).toBe('sales_lead');
  }, 120_000);
});
