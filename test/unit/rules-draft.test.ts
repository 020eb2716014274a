import { describe, expect, it } from 'vitest';
import { defaultRules, type QualificationRules } from '../../functions/domain/qualification.js';
import { parseRulesDraft } from '../../functions/domain/rules-draft.js';

const now = new Date('2026-11-30T12:00:00.000Z');
const draft = (change: (rules: QualificationRules) => unknown = (rules) => rules) =>
  change(structuredClone(defaultRules) as QualificationRules);
const issuesOf = (input: unknown, current: QualificationRules = defaultRules) => {
  const parsed = parseRulesDraft(input, current, now);
  return parsed.ok ? [] : parsed.issues;
};

describe('parseRulesDraft', () => {
  it('takes back what GET answered and makes the next version of it', () => {
    const parsed = parseRulesDraft(draft(), defaultRules, now);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const { version, updatedAt, ...rules } = parsed.value;
    expect(version).toBe(1);
    expect(updatedAt).toBe(now.toISOString());
    const { version: _v, ...defaults } = defaultRules;
    expect(JSON.parse(JSON.stringify(rules))).toEqual(defaults);
  });

  it('names each invalid field', () => {
    const input = draft((rules) => ({
      ...rules,
      points: {
        ...rules.points,
        events: { engaged: 2.5, submitted: 5 },
        channels: { ...rules.points.channels, 'Organic Search': 3 },
        offers: { demo: 500 },
      },
      decay: { halfLifeDays: -1 },
      thresholds: { lead: 50, salesLead: 'high' },
      fit: [
        { name: 'x', mark: 'maybe', when: [] },
        { name: 'y', mark: 'target', when: [{ field: 'shoeSize', test: 'present' }] },
        { name: 'z', mark: 'target', when: [{ field: 'company', test: 'freeMail' }] },
        { name: 'w', mark: 'target', when: [{ field: 'jobTitle', test: 'containsAny', values: [] }] },
      ],
      salesAnswerWithinDays: 0,
      colour: 'blue',
    }));
    expect(issuesOf(input).map((issue) => issue.path)).toEqual(
      expect.arrayContaining([
        'points.events.engaged',
        'points.channels.Organic Search',
        'points.offers.demo',
        'decay.halfLifeDays',
        'thresholds.salesLead',
        'fit.0.mark',
        'fit.0.when',
        'fit.1.when.0.field',
        'fit.2.when.0.field',
        'fit.3.when.0.values',
        'salesAnswerWithinDays',
        'colour',
      ]),
    );
  });

  it('wants the sales threshold above the lead one, and rule names unique', () => {
    const input = draft((rules) => ({
      ...rules,
      thresholds: { lead: 70, salesLead: 70 },
      fit: [rules.fit[0], rules.fit[0]],
    }));
    expect(issuesOf(input)).toEqual([
      { path: 'thresholds.salesLead', message: 'must be above the lead threshold' },
      { path: 'fit.1.name', message: 'is already used by another rule' },
    ]);
  });

  it('accepts an older version number (a rollback) and refuses one the rules never had', () => {
    const current = { ...defaultRules, version: 3 };
    expect(
      issuesOf(
        draft((rules) => ({ ...rules, version: 2 })),
        current,
      ),
    ).toEqual([]);
    expect(
      issuesOf(
        draft((rules) => ({ ...rules, version: 9 })),
        current,
      ),
    ).toEqual([{ path: 'version', message: 'must be a version of the rules, 0 to 3' }]);
  });

  it('keeps labels in null-prototype tables', () => {
    const parsed = parseRulesDraft(
      draft((rules) => ({ ...rules, points: { ...rules.points, offers: { constructor: 4 } } })),
      defaultRules,
      now,
    );
    expect(parsed.ok && Object.getPrototypeOf(parsed.value.points.offers)).toBeNull();
    expect(parsed.ok && parsed.value.points.offers.constructor).toBe(4);
  });
});
