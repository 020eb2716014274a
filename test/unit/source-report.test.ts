import { describe, expect, it } from 'vitest';
import { reportLabel } from '../../functions/domain/labels.js';
import {
  maxRowsPerDimension,
  type SourceCount,
  sourceEntry,
  sourceProgress,
  sourceReport,
} from '../../functions/domain/source-report.js';

const contact = {
  createdAt: '2026-11-03T10:00:00.000Z',
  firstTouch: {
    where: { channel: 'paid_search', utm_source: ' google ', utm_campaign: 'x'.repeat(180) },
    what: { kind: 'form' as const, form: 'pricing' },
    why: {},
  },
};

const count = (dimension: string, value: string, contacts: number, lead = 0): SourceCount => ({
  dimension,
  value,
  contacts,
  reached: { lead, sales_lead: 0, opportunity: 0, customer: 0 },
});

describe('source counting', () => {
  it('counts a new contact once per dimension, in its creation month, with what its first stage implies', () => {
    const entry = sourceEntry({ ...contact, stage: 'sales_lead' });

    expect(entry.reached).toBe('sales_lead');
    expect(
      entry.deltas.map(({ dimension, value }) => [dimension, value.length > 20 ? value.length : value]),
    ).toEqual([
      ['channel', 'paid_search'],
      ['utm_source', 'google'],
      ['utm_campaign', 100],
      ['form', 'pricing'],
      ['offer', '(none)'],
    ]);
    expect(entry.deltas[0]).toMatchObject({
      month: '2026-11',
      contact: true,
      milestones: ['lead', 'sales_lead'],
    });
    expect(sourceEntry({ ...contact, stage: 'name' })).toMatchObject({ reached: 'none' });
  });

  it('counts only the milestones reached for the first time, the ones jumped over included', () => {
    const jumped = sourceProgress({ ...contact, reachedMilestone: 'lead' }, ['sales_lead', 'opportunity']);
    expect(jumped?.reached).toBe('opportunity');
    expect(jumped?.deltas[0]).toMatchObject({ contact: false, milestones: ['sales_lead', 'opportunity'] });

    // Recycled, then a lead and a sales lead again: nothing new.
    expect(
      sourceProgress({ ...contact, reachedMilestone: 'opportunity' }, ['recycled', 'lead', 'sales_lead']),
    ).toBeUndefined();
    // Created before the counters: never counted as a contact, so not its progress either.
    expect(sourceProgress(contact, ['customer'])).toBeUndefined();
  });
});

describe('sourceReport', () => {
  it('sums months and shards, keeps the largest values and sums the rest', () => {
    const many = Array.from({ length: maxRowsPerDimension + 2 }, (_, i) =>
      count('utm_campaign', `campaign-${String(i).padStart(2, '0')}`, i === 0 ? 5 : 1, 1),
    );
    const report = sourceReport(
      [
        count('channel', 'email', 3, 1),
        count('channel', 'email', 1, 1),
        count('channel', '__proto__', 1),
        ...many,
      ],
      { from: '2026-10', to: null },
    );

    expect(report.total).toEqual({
      contacts: 5,
      reached: { lead: 2, sales_lead: 0, opportunity: 0, customer: 0 },
      share: { lead: 0.4, sales_lead: 0, opportunity: 0, customer: 0 },
    });
    expect(report.dimensions[0]?.rows.map((row) => [row.value, row.contacts, row.share.lead])).toEqual([
      ['email', 4, 0.5],
      ['__proto__', 1, 0],
    ]);
    const campaigns = report.dimensions[2];
    expect(campaigns?.rows).toHaveLength(maxRowsPerDimension);
    expect(campaigns?.rows[0]).toMatchObject({ value: 'campaign-00', contacts: 5, share: { lead: 0.2 } });
    expect(campaigns?.rest).toMatchObject({
      values: 2,
      contacts: 2,
      reached: { lead: 2 },
      share: { lead: 1 },
    });
    expect(report.dimensions[1]?.rows).toEqual([]);
  });
});

describe('report labels that name a person', () => {
  it.each([
    ['followup-dana@acme.example', 'other'],
    ['followup-dana%40acme.example', 'other'],
    ['call +49 30 1234567', 'other'],
    ['(800) 555-0100', 'other'],
    ['800.555.0100', 'other'],
    ['spring_launch', 'spring_launch'],
    ['12345678901', '12345678901'],
    ['q4-2026', 'q4-2026'],
  ])('%s is reported as %s', (value, label) => {
    expect(reportLabel(value)).toBe(label);
  });
});
