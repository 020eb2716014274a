import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  eventSignal,
  explainScore,
  maxSignals,
  type ScoreSignal,
  withSignal,
} from '../../functions/domain/lead-score.js';
import {
  defaultRules,
  fitOf,
  isFreeMail,
  type QualificationRules,
} from '../../functions/domain/qualification.js';

const day = 86_400_000;
const start = new Date('2026-03-02T10:00:00.000Z');
const at = (days: number) => new Date(start.getTime() + days * day).toISOString();
const dana = { email: 'dana@acme.example', firstName: 'Dana', company: 'Acme' };

const whitePaper: ScoreSignal = {
  at: at(0),
  kind: 'touch',
  channel: 'organic_search',
  utmSource: 'google',
  formKind: 'form',
  form: 'landing-guide',
  offer: 'white_paper',
};
const click = (days: number): ScoreSignal => ({ at: at(days), kind: 'engaged' });

describe('explainScore', () => {
  it('accounts for every point by where, what, why and engagement', () => {
    const demo = eventSignal({
      eventId: 'e1',
      type: 'submitted',
      at: at(2),
      detail: { channel: 'organic_search', formKind: 'form', form: 'landing-demo', offerType: 'demo' },
    });
    expect(demo).toBeDefined();
    const signals = [whitePaper, click(1), click(1), demo as ScoreSignal];
    const explained = explainScore(signals, dana, defaultRules, new Date(at(2)));
    expect(explained.causes).toEqual([
      { cause: 'where', label: 'organic_search (google)', points: 10, at: at(0) },
      { cause: 'what', label: 'form landing-guide', points: 0, at: at(0) },
      { cause: 'why', label: 'white_paper', points: 10, at: at(0) },
      { cause: 'where', label: 'organic_search', points: 10, at: at(2) },
      { cause: 'what', label: 'form landing-demo', points: 0, at: at(2) },
      { cause: 'why', label: 'demo', points: 30, at: at(2) },
      { cause: 'engagement', label: 'clicked a link in an email ×2', points: 20 },
      { cause: 'engagement', label: 'came back with another form ×1', points: 5 },
    ]);
    expect(explained.score).toBe(85);
    expect(explained.fit).toEqual({ result: 'target', rule: 'Named company on a work address' });
    expect(explained.thresholds).toEqual({ lead: 40, salesLead: 70 });
  });

  it('shows what decay took off as a cause of its own', () => {
    const explained = explainScore([whitePaper, click(0), click(0)], dana, defaultRules, new Date(at(180)));
    expect(explained.causes.at(-1)).toEqual({
      cause: 'decay',
      label: 'engagement halves every 90 days',
      points: -15,
    });
    expect(explained.score).toBe(20 + 20 - 15);
    const noDecay = { ...defaultRules, decay: { halfLifeDays: 0 } };
    expect(explainScore([whitePaper, click(0)], dana, noDecay, new Date(at(900))).score).toBe(30);
  });

  it('weighs a form by its name before its kind, and an unlisted channel or offer as other', () => {
    const rules: QualificationRules = {
      ...defaultRules,
      points: { ...defaultRules.points, forms: { form: 1, 'landing-demo': 7 } },
    };
    const touch = (form: string | undefined): ScoreSignal => ({
      at: at(0),
      kind: 'touch',
      channel: 'podcast',
      formKind: 'form',
      ...(form ? { form } : {}),
      offer: 'constructor',
    });
    const of = (signal: ScoreSignal) => explainScore([signal], dana, rules, new Date(at(0))).causes;
    expect(of(touch('landing-demo')).map((line) => line.points)).toEqual([2, 7, 2]);
    expect(of(touch('other-form')).map((line) => line.points)).toEqual([2, 1, 2]);
    expect(of(touch(undefined))[1]).toEqual({ cause: 'what', label: 'form', points: 1, at: at(0) });
  });

  it('is the sum of its causes for any history', () => {
    const signal = fc.record({
      days: fc.integer({ min: 0, max: 400 }),
      kind: fc.constantFrom<'touch' | 'engaged'>('touch', 'engaged'),
      repeat: fc.boolean(),
      channel: fc.constantFrom('organic_search', 'third_party_list', 'podcast', 'toString'),
      offer: fc.option(fc.constantFrom('demo', 'giveaway', 'hasOwnProperty'), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(signal, { maxLength: 30 }), fc.integer({ min: 0, max: 800 }), (drawn, days) => {
        const signals = drawn.map(
          (s): ScoreSignal => ({
            at: at(s.days),
            kind: s.kind,
            ...(s.kind === 'touch'
              ? {
                  repeat: s.repeat,
                  channel: s.channel,
                  formKind: 'form',
                  ...(s.offer ? { offer: s.offer } : {}),
                }
              : {}),
          }),
        );
        const explained = explainScore(signals, dana, defaultRules, new Date(at(days)));
        expect(Number.isInteger(explained.score)).toBe(true);
        expect(explained.score).toBe(explained.causes.reduce((sum, line) => sum + line.points, 0));
      }),
    );
  });
});

describe('withSignal', () => {
  it('keeps the history bounded by dropping the oldest engagement, never a touch', () => {
    let signals: ScoreSignal[] = [whitePaper];
    for (let n = 0; n < maxSignals + 20; n++) signals = withSignal(signals, click(1 + n / 1000));
    expect(signals).toHaveLength(maxSignals);
    expect(signals[0]).toEqual(whitePaper);
    expect(signals.at(-1)).toEqual(click(1 + (maxSignals + 19) / 1000));
  });
});

describe('fit rules', () => {
  const rules = (fit: QualificationRules['fit']): QualificationRules => ({ ...defaultRules, fit });

  it('tells free-mail providers from work addresses', () => {
    expect(isFreeMail('dana@gmail.com')).toBe(true);
    expect(isFreeMail('dana@GMX.DE')).toBe(true);
    expect(isFreeMail('dana@acme.example')).toBe(false);
  });

  it('lets a disqualifying rule win over a target rule, whatever their order', () => {
    const fit = rules([
      { name: 'Has company', mark: 'target', when: [{ field: 'company', test: 'present' }] },
      {
        name: 'Competitor',
        mark: 'disqualified',
        when: [{ field: 'company', test: 'equals', value: 'ACME' }],
      },
    ]);
    expect(fitOf(dana, fit)).toEqual({ result: 'disqualified', rule: 'Competitor' });
    expect(fitOf({ ...dana, company: 'Globex' }, fit)).toEqual({ result: 'target', rule: 'Has company' });
    expect(fitOf({ email: 'x@y.example' }, fit)).toEqual({ result: 'none' });
  });

  it('reads job titles by word, custom fields by name, and never the prototype', () => {
    const fit = rules([
      {
        name: 'Leader in SaaS',
        mark: 'target',
        when: [
          { field: 'jobTitle', test: 'containsAny', values: ['head', 'vp', 'director'] },
          { field: 'fields.industry', test: 'equals', value: 'saas' },
        ],
      },
      { name: 'Prototype', mark: 'disqualified', when: [{ field: 'fields.constructor', test: 'present' }] },
    ]);
    const fields = Object.assign(Object.create(null), { industry: 'SaaS' });
    expect(fitOf({ ...dana, jobTitle: 'Head of Growth', fields }, fit).result).toBe('target');
    expect(fitOf({ ...dana, jobTitle: 'Engineer', fields }, fit).result).toBe('none');
    expect(fitOf({ ...dana, jobTitle: 'VP Sales', fields: {} }, fit).result).toBe('none');
  });

  it('treats a blank field as absent', () => {
    const fit = rules([
      { name: 'No company', mark: 'disqualified', when: [{ field: 'company', test: 'absent' }] },
    ]);
    expect(fitOf({ ...dana, company: '   ' }, fit).result).toBe('disqualified');
  });
});
