import { describe, expect, it } from 'vitest';
import { funnelReport, moveKind } from '../../functions/domain/funnel-report.js';

describe('what a move out of a stage is', () => {
  it.each([
    ['name', 'engagement', 'converted'],
    ['engagement', 'lead', 'converted'],
    ['lead', 'sales_lead', 'converted'],
    ['sales_lead', 'opportunity', 'converted'],
    ['opportunity', 'customer', 'converted'],
    ['recycled', 'engagement', 'converted'],
    ['disqualified', 'engagement', 'converted'],
    ['name', 'unsubscribed', 'exited'],
    ['customer', 'suppressed', 'exited'],
    ['target', 'disqualified', 'exited'],
    ['sales_lead', 'recycled', 'recycled'],
    ['opportunity', 'recycled', 'recycled'],
    ['lead', 'engagement', 'movedBack'],
  ])('%s → %s is %s', (from, to, kind) => {
    expect(moveKind(from, to)).toBe(kind);
  });
});

describe('the funnel report', () => {
  it('gives a stage whose contacts all left by exits or recycles a rate of 0', () => {
    const moves = ['channel:direct', 'form:(none)', 'offer:(none)'].flatMap((source) => [
      { from: 'new', to: 'sales_lead', source, count: 2 },
      { from: 'sales_lead', to: 'recycled', source, count: 1 },
      { from: 'sales_lead', to: 'unsubscribed', source, count: 1 },
    ]);
    const report = funnelReport([], moves, { from: '2026-12-01', to: '2026-12-07' });
    const sales = report.conversion.find((row) => row.stage === 'sales_lead');
    expect(sales).toMatchObject({
      entered: 2,
      movedOn: {},
      rate: 0,
      recycled: 1,
      exited: { unsubscribed: 1 },
    });
    expect(sales?.bySource.form?.['(none)']).toEqual({
      entered: 2,
      movedOn: 0,
      exited: 1,
      recycled: 1,
      movedBack: 0,
    });
    expect(report.outcomes).toEqual({ converted: 0, exited: { unsubscribed: 1 }, recycled: 1, movedBack: 0 });
  });
});
