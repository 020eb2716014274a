import { describe, expect, it } from 'vitest';
import { reconcileClaims, sendConfirmationWindowMs } from '../../functions/domain/send-reconciliation.js';

const now = new Date('2026-11-30T12:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

describe('reconcileClaims', () => {
  it('resends a claim past its window once, abandons one already resent, and rechecks the youngest', () => {
    const stale = { id: 'stale', claimedAt: ago(sendConfirmationWindowMs) };
    const resent = { id: 'resent', claimedAt: ago(sendConfirmationWindowMs + 1), resentAt: ago(1) };
    const young = { id: 'young', claimedAt: ago(60_000) };
    const younger = { id: 'younger', claimedAt: ago(1_000) };
    const plan = reconcileClaims([stale, resent, young, younger], now);
    expect(plan.resend).toEqual([stale]);
    expect(plan.abandon).toEqual([resent]);
    expect(plan.recheckInMs).toBe(sendConfirmationWindowMs - 60_000);
  });

  it('has nothing to do without claims', () => {
    expect(reconcileClaims([], now)).toEqual({ resend: [], abandon: [] });
  });
});
