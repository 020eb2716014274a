import { describe, expect, it } from 'vitest';
import { type LedgerEntry, sentEmails } from '../../functions/domain/sent-email.js';

const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
  status: 'sent',
  claimedAt: '2026-11-02T09:00:00.000Z',
  sentAt: '2026-11-02T09:00:01.000Z',
  track: 'nurture',
  round: 1,
  stepId: 'welcome',
  template: 'welcome',
  templateVersion: 3,
  outcomes: {},
  ...overrides,
});

describe('sentEmails', () => {
  it('shows the most telling outcome SES reported, whatever order the events came in', () => {
    const [email] = sentEmails([
      entry({
        outcomes: {
          clicked: '2026-11-02T10:00:00.000Z',
          delivered: '2026-11-02T09:00:02.000Z',
          opened: '2026-11-02T09:30:00.000Z',
        },
      }),
    ]);
    expect(email).toEqual({
      track: 'nurture',
      round: 1,
      step: 'welcome',
      template: { name: 'welcome', version: 3 },
      claimedAt: '2026-11-02T09:00:00.000Z',
      sentAt: '2026-11-02T09:00:01.000Z',
      status: 'clicked',
      outcomes: {
        clicked: '2026-11-02T10:00:00.000Z',
        delivered: '2026-11-02T09:00:02.000Z',
        opened: '2026-11-02T09:30:00.000Z',
      },
    });
    const complained = entry({
      outcomes: { complained: '2026-11-03T00:00:00.000Z', opened: '2026-11-02T09:30:00.000Z' },
    });
    expect(sentEmails([complained])[0]?.status).toBe('complained');
  });

  it('falls back on the ledger state before SES said anything, and lists replies as transactional, oldest first', () => {
    const emails = sentEmails([
      entry({ claimedAt: '2026-11-05T00:00:00.000Z', status: 'sending', sentAt: undefined }),
      {
        status: 'sent',
        claimedAt: '2026-11-01T00:00:00.000Z',
        touchId: 'touch-1',
        template: 'download-ready',
        templateVersion: 0,
        outcomes: { delivered: '2026-11-01T00:00:01.000Z' },
      },
    ]);
    expect(emails.map((email) => [email.track, email.replyTo ?? email.step, email.status])).toEqual([
      ['transactional', 'touch-1', 'delivered'],
      ['nurture', 'welcome', 'sending'],
    ]);
    expect(emails[1]).not.toHaveProperty('sentAt');
  });
});
