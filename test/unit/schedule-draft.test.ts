import { describe, expect, it } from 'vitest';
import { contactTimeZone, nextInWindow, nextTouch } from '../../functions/domain/journey.js';
import { defaultDeliveryLimits, defaultSchedules } from '../../functions/domain/schedule.js';
import { parseDraft } from '../../functions/domain/schedule-draft.js';

const now = new Date('2026-11-23T10:00:00.000Z');

describe('parseDraft', () => {
  it('makes the next version, naming unnamed steps after their template and keeping given ids', () => {
    const parsed = parseDraft(
      {
        timezone: 'Europe/Berlin',
        steps: [
          { delay: '0m', template: 'welcome' },
          { id: 'case-study', delay: '3d', template: 'nurture-case-study' },
          { delay: '2d', template: 'nurture-how-to' },
          { delay: '2d', template: 'nurture-how-to', subject: 'One more tip' },
        ],
      },
      'nurture',
      defaultSchedules.nurture,
      now,
    );

    expect(parsed).toEqual({
      ok: true,
      value: {
        track: 'nurture',
        version: 1,
        timezone: 'Europe/Berlin',
        updatedAt: now.toISOString(),
        steps: [
          { id: 'welcome', delay: '0m', template: 'welcome' },
          { id: 'case-study', delay: '3d', template: 'nurture-case-study' },
          { id: 'nurture-how-to', delay: '2d', template: 'nurture-how-to' },
          { id: 'nurture-how-to-2', delay: '2d', template: 'nurture-how-to', subject: 'One more tip' },
        ],
      },
    });
  });

  it('keeps the current time zone when the draft names none', () => {
    const parsed = parseDraft(
      { steps: [{ delay: '1d', template: 'welcome' }] },
      'nurture',
      defaultSchedules.nurture,
      now,
    );
    expect(parsed.ok && parsed.value.timezone).toBe('UTC');
  });
});

describe('nextTouch after an edit', () => {
  const schedule = defaultSchedules.nurture;
  const anchorAt = new Date(now.getTime() - 86_400_000).toISOString();

  it('skips a step inserted behind the furthest step sent', () => {
    const touch = nextTouch(schedule, new Set(['welcome', 'how-to']), anchorAt, now, true);
    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(6 * 86_400_000);
  });

  it('sends at once a step whose delay has already passed', () => {
    const shortened = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '12h' } : s)),
    };
    expect(nextTouch(shortened, new Set(['welcome']), anchorAt, now, true).send?.id).toBe('case-study');
  });

  it('spreads the catch-up sends of an edit over its window, each contact at a fixed offset', () => {
    const shortened = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '12h' } : s)),
      catchUp: { from: now.toISOString(), spreadMs: 10 * 60_000 },
    };
    const waits = ['a', 'b', 'c', 'd', 'e', 'f'].map(
      (contactId) =>
        nextTouch(shortened, new Set(['welcome']), anchorAt, now, true, {
          contactId,
          recentSends: [],
          limits: defaultDeliveryLimits,
        }).waitMs,
    );
    for (const wait of waits) expect(wait).toBeLessThan(10 * 60_000);
    expect(new Set(waits).size).toBeGreaterThan(1);
  });

  it('holds a step that would break the frequency cap until the oldest send leaves the window', () => {
    const day = 86_400_000;
    const recentSends = [6, 4, 1].map((daysAgo) => new Date(now.getTime() - daysAgo * day).toISOString());
    const dueNow = {
      ...schedule,
      steps: schedule.steps.map((s) => (s.id === 'case-study' ? { ...s, delay: '1h' } : s)),
    };
    const bounds = { contactId: 'a', recentSends, limits: defaultDeliveryLimits };

    const touch = nextTouch(dueNow, new Set(['welcome']), anchorAt, now, true, bounds);

    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(1 * day);
    expect(
      nextTouch(dueNow, new Set(['welcome']), anchorAt, now, true, { ...bounds, recentSends: [] }).send?.id,
    ).toBe('case-study');
  });
});

describe('send windows', () => {
  const weekdaysNineToFive = { days: [1, 2, 3, 4, 5], hours: { from: 9, to: 17 } };

  it('keeps a time inside the window', () => {
    const monday10 = Date.parse('2026-11-23T10:00:00.000Z');
    expect(nextInWindow(monday10, weekdaysNineToFive, 'UTC')).toBe(monday10);
  });

  it('moves a Saturday send to Monday 9:00 in the schedule’s time zone', () => {
    const saturday = Date.parse('2026-11-28T12:00:00.000Z');
    expect(new Date(nextInWindow(saturday, weekdaysNineToFive, 'Europe/Berlin')).toISOString()).toBe(
      '2026-11-30T08:00:00.000Z',
    );
  });

  it('holds a due step until its window opens', () => {
    const schedule = {
      ...defaultSchedules.nurture,
      steps: [{ id: 'welcome', delay: '0m', template: 'welcome', window: weekdaysNineToFive }],
    };
    const friday18 = new Date('2026-11-27T18:00:00.000Z');
    const touch = nextTouch(schedule, new Set(), friday18.toISOString(), friday18, true);
    expect(touch.send).toBeUndefined();
    expect(touch.waitMs).toBe(Date.parse('2026-11-30T09:00:00.000Z') - friday18.getTime());
  });

  it('reads the window in the contact’s own time zone when it gave one', () => {
    const schedule = {
      ...defaultSchedules.nurture,
      steps: [{ id: 'welcome', delay: '0m', template: 'welcome', window: weekdaysNineToFive }],
    };
    const monday8utc = new Date('2026-11-30T08:00:00.000Z');
    const timeZone = contactTimeZone({ timezone: 'America/New_York' });
    const touch = nextTouch(schedule, new Set(), monday8utc.toISOString(), monday8utc, true, {
      contactId: 'a',
      timeZone,
      recentSends: [],
      limits: defaultDeliveryLimits,
    });
    expect(timeZone).toBe('America/New_York');
    expect(contactTimeZone({ timezone: 'Mars/Olympus' })).toBeUndefined();
    expect(touch.waitMs).toBe(Date.parse('2026-11-30T14:00:00.000Z') - monday8utc.getTime());
  });
});
