import { describe, expect, it } from 'vitest';
import type { IncomingEvent } from '../../functions/domain/incoming-event.js';
import {
  type JourneyContact,
  nextTouch,
  stagesOnTrack,
  standingAfter,
} from '../../functions/domain/journey.js';
import { defaultRules } from '../../functions/domain/qualification.js';
import {
  catchUpSpreadMs,
  type DeliveryLimits,
  defaultDeliveryLimits,
  defaultSchedules,
  type Schedule,
  type ScheduleStep,
} from '../../functions/domain/schedule.js';
import {
  type ContactInFlight,
  plannedSends,
  previewSchedule,
  skippedSteps,
} from '../../functions/domain/schedule-preview.js';

const minute = 60_000;
const day = 86_400_000;
const now = new Date('2026-11-23T10:00:00.000Z');
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const later = (ms: number) => new Date(now.getTime() + ms).toISOString();

const nurture = defaultSchedules.nurture;
const edit = (changes: Record<string, Partial<ScheduleStep> | null>, catchUpMs = 0): Schedule => ({
  ...nurture,
  version: nurture.version + 1,
  steps: nurture.steps.flatMap((step) => {
    const change = changes[step.id];
    if (change === null) return [];
    return [{ ...step, ...change }];
  }),
  ...(catchUpMs > 0 ? { catchUp: { from: now.toISOString(), spreadMs: catchUpMs } } : {}),
});

/** Had the welcome email `sinceWelcome` ago, and nothing since. */
const waiting = (contactId: string, sinceWelcome: number, extra: Partial<ContactInFlight> = {}) => ({
  contactId,
  journey: {
    generation: 1,
    track: 'nurture' as const,
    anchorAt: ago(sinceWelcome),
    stageSince: ago(sinceWelcome),
    recycleCount: 0,
  },
  mayEmail: true,
  sentStepIds: new Set(['welcome']),
  recentSends: [ago(sinceWelcome)],
  ...extra,
});

const plan = (schedule: Schedule, contact: ContactInFlight, limits: DeliveryLimits = defaultDeliveryLimits) =>
  plannedSends(schedule, contact, now, new Date(now.getTime() + 30 * day), limits);

describe('a schedule_changed event', () => {
  const contact: JourneyContact = {
    stage: 'target',
    score: 35,
    email: 'dana@acme.example',
    company: 'Acme',
    jobTitle: 'VP Marketing',
    createdAt: ago(5 * day),
    // 10 for organic search, 25 for the pricing offer.
    scoreSignals: [
      { at: ago(5 * day), kind: 'touch', channel: 'organic_search', formKind: 'form', offer: 'pricing' },
    ],
    journey: {
      generation: 1,
      track: 'nurture',
      anchorAt: ago(2 * day),
      stageSince: ago(4 * day),
      recycleCount: 0,
    },
  };
  const replan: IncomingEvent = {
    eventId: 'schedule-nurture-v1',
    type: 'schedule_changed',
    at: now.toISOString(),
    detail: { track: 'nurture', version: '1' },
  };

  it('is no touch: no score, no stage move, the anchor of the next delay untouched', () => {
    const woken = standingAfter(contact, [replan], now, defaultRules);
    expect(woken).toEqual(standingAfter(contact, [], now, defaultRules));
    expect(woken).toMatchObject({ stage: 'target', score: 35, changes: [] });
    expect(woken.journey).toEqual(contact.journey);
  });

  it('leaves the events around it to do what they do', () => {
    const engaged: IncomingEvent = { eventId: 'e1', type: 'engaged', at: now.toISOString() };
    expect(standingAfter(contact, [replan, engaged], now, defaultRules)).toEqual(
      standingAfter(contact, [engaged], now, defaultRules),
    );
  });
});

describe('stagesOnTrack', () => {
  it('lists every stage whose contacts an edit reaches, side states included', () => {
    expect(stagesOnTrack('nurture')).toEqual([
      'awareness',
      'name',
      'engagement',
      'target',
      'lead',
      'disqualified',
    ]);
    expect(stagesOnTrack('recycle')).toEqual(['recycled']);
    expect(stagesOnTrack('customer')).toEqual(['customer']);
  });
});

describe('the next touch of a contact in flight follows the newest version', () => {
  it('sends a shortened delay that has already passed within the catch-up window', () => {
    const spreadMs = 2 * minute;
    const [first, second] = plan(edit({ 'case-study': { delay: '1d' } }, spreadMs), waiting('c1', 2 * day));
    expect(first?.stepId).toBe('case-study');
    const at = Date.parse(first?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(now.getTime());
    expect(at).toBeLessThan(now.getTime() + spreadMs);
    // The next step counts its delay from that touch.
    expect(second).toEqual({ stepId: 'how-to', at: new Date(at + 4 * day).toISOString() });
  });

  it('sends a shortened delay that has not passed yet on its new time, not spread', () => {
    const [first] = plan(edit({ 'case-study': { delay: '2d' } }, 2 * minute), waiting('c1', 1 * day));
    expect(first).toEqual({ stepId: 'case-study', at: later(1 * day) });
  });

  it('counts a lengthened delay from the previous touch', () => {
    const [first] = plan(edit({ 'case-study': { delay: '10d' } }), waiting('c1', 2 * day));
    expect(first).toEqual({ stepId: 'case-study', at: later(8 * day) });
  });

  it('skips a removed step: the next one counts from the previous touch', () => {
    const [first] = plan(edit({ 'case-study': null }), waiting('c1', 1 * day));
    expect(first).toEqual({ stepId: 'how-to', at: later(3 * day) });
  });

  it('never plans a step already sent, whatever the edit', () => {
    const contact = waiting('c1', 1 * day, { sentStepIds: new Set(['welcome', 'case-study']) });
    const sends = plan(edit({ welcome: { delay: '0m' }, 'case-study': { delay: '1h' } }, minute), contact);
    expect(sends.map((send) => send.stepId)).toEqual(['how-to', 'checklist', 'demo-invite']);
  });

  it('holds a due step while the frequency cap is full, all tracks counted', () => {
    const contact = waiting('c1', 3 * day, { recentSends: [ago(6 * day), ago(5 * day), ago(3 * day)] });
    const [first] = plan(edit({ 'case-study': { delay: '1d' } }, minute), contact);
    // Three sends in the last 7 days: the fourth waits until the oldest is 7 days old.
    expect(first).toEqual({ stepId: 'case-study', at: later(1 * day) });
  });

  it('reads a configured cap', () => {
    const contact = waiting('c1', 3 * day);
    const strict: DeliveryLimits = { ...defaultDeliveryLimits, frequencyCap: { emails: 1, perMs: 7 * day } };
    const [first] = plan(edit({ 'case-study': { delay: '1d' } }, minute), contact, strict);
    expect(first).toEqual({ stepId: 'case-study', at: later(4 * day) });
  });

  it('reads a window in its own time zone before the contact’s and the schedule’s', () => {
    const monday8utc = new Date('2026-11-30T08:00:00.000Z');
    const window = { days: [1], hours: { from: 9, to: 17 } };
    const schedule = (timezone?: string): Schedule => ({
      ...nurture,
      timezone: 'Asia/Tokyo',
      steps: [
        {
          id: 'welcome',
          delay: '0m',
          template: 'welcome',
          window: timezone ? { ...window, timezone } : window,
        },
      ],
    });
    const touchIn = (windowZone: string | undefined, contactZone: string | undefined) =>
      nextTouch(schedule(windowZone), new Set(), monday8utc.toISOString(), monday8utc, true, {
        contactId: 'c1',
        timeZone: contactZone,
        recentSends: [],
        limits: defaultDeliveryLimits,
      });
    // 08:00 UTC is 09:00 in Berlin: inside the window's own zone at once.
    expect(touchIn('Europe/Berlin', 'America/New_York').send?.id).toBe('welcome');
    // Else the contact's: New York opens at 14:00 UTC.
    expect(touchIn(undefined, 'America/New_York')).toMatchObject({ waitMs: 6 * 3_600_000 });
    // Else the schedule's: Tokyo's Monday 9-17 is over; next Monday 09:00 JST is 00:00 UTC.
    expect(touchIn(undefined, undefined)).toMatchObject({
      waitMs: Date.parse('2026-12-07T00:00:00.000Z') - monday8utc.getTime(),
    });
  });
});

describe('catch-up spread', () => {
  it('needs a minute per catchUpSendsPerMinute contacts', () => {
    expect(catchUpSpreadMs(0, defaultDeliveryLimits)).toBe(0);
    expect(catchUpSpreadMs(1, defaultDeliveryLimits)).toBe(minute);
    expect(catchUpSpreadMs(60, defaultDeliveryLimits)).toBe(minute);
    expect(catchUpSpreadMs(61, defaultDeliveryLimits)).toBe(2 * minute);
    expect(catchUpSpreadMs(61, { ...defaultDeliveryLimits, catchUpSendsPerMinute: 10 })).toBe(7 * minute);
  });

  it('gives each contact its own fixed time in the window, spread over all of it', () => {
    const contacts = Array.from({ length: 600 }, (_, i) => waiting(`contact-${i}`, 5 * day));
    const spreadMs = catchUpSpreadMs(contacts.length, defaultDeliveryLimits);
    const shortened = edit({ 'case-study': { delay: '1d' } }, spreadMs);
    const firstSend = (contact: ContactInFlight) => Date.parse(plan(shortened, contact)[0]?.at ?? '');

    const times = contacts.map(firstSend);

    expect(times.map((_, i) => firstSend(contacts[i] as ContactInFlight))).toEqual(times);
    const perMinute = new Map<number, number>();
    for (const time of times) {
      expect(time - now.getTime()).toBeGreaterThanOrEqual(0);
      expect(time - now.getTime()).toBeLessThan(spreadMs);
      const slot = Math.floor((time - now.getTime()) / minute);
      perMinute.set(slot, (perMinute.get(slot) ?? 0) + 1);
    }
    // Ten minutes, every one used, none far above 60 sends.
    expect(perMinute.size).toBe(10);
    for (const count of perMinute.values()) expect(count).toBeLessThan(90);
  });
});

describe('skippedSteps', () => {
  it('names steps ahead that the draft removes and steps it inserts behind the contact', () => {
    const contact = waiting('c1', 1 * day, { sentStepIds: new Set(['welcome', 'case-study']) });
    const draft: Schedule = {
      ...nurture,
      steps: [
        nurture.steps[0] as ScheduleStep,
        { id: 'webinar', delay: '1d', template: 'nurture-how-to' },
        ...nurture.steps.slice(1).filter((step) => step.id !== 'checklist'),
      ],
    };
    expect(skippedSteps(nurture, draft, contact).sort()).toEqual(['checklist', 'webinar']);
    expect(skippedSteps(nurture, nurture, contact)).toEqual([]);
    expect(skippedSteps(nurture, draft, { ...contact, mayEmail: false })).toEqual([]);
  });
});

describe('previewSchedule', () => {
  const contacts: ContactInFlight[] = [
    waiting('a', 2 * day),
    waiting('b', 12 * 3_600_000),
    waiting('c', 1 * day, { sentStepIds: new Set(['welcome', 'case-study']), recentSends: [ago(1 * day)] }),
    waiting('d', 2 * day, { mayEmail: false }),
  ];

  it('counts what the draft sends when, from the journey’s own planning, changing nothing', () => {
    const spreadMs = catchUpSpreadMs(contacts.length, defaultDeliveryLimits);
    const draft = edit({ 'case-study': { delay: '1d' }, checklist: null }, spreadMs);
    const frozen = JSON.stringify(contacts, (_key, value) => (value instanceof Set ? [...value] : value));

    const preview = previewSchedule(nurture, draft, contacts, now, defaultDeliveryLimits);

    expect(JSON.stringify(contacts, (_key, value) => (value instanceof Set ? [...value] : value))).toBe(
      frozen,
    );
    // a: case-study now (caught up), how-to +4d, demo-invite +11d.
    // b: case-study +12h, how-to +4d12h, demo-invite +11d12h.
    // c: how-to at +3d (4d after case-study), demo-invite +10d. d: nothing.
    expect(preview).toMatchObject({ inFlight: 4, dueNow: 1, next7Days: 5, next30Days: 8, skippingSteps: 3 });
    expect(preview.examples).toHaveLength(4);
    expect(preview.examples[0]?.current).toEqual({ stepId: 'case-study', at: later(1 * day) });
    expect(preview.examples[0]?.draft?.stepId).toBe('case-study');
    expect(Date.parse(preview.examples[0]?.draft?.at ?? '')).toBeLessThan(now.getTime() + spreadMs);
    expect(preview.examples[2]).toEqual({
      label: 'Contact 3',
      current: { stepId: 'how-to', at: later(3 * day) },
      draft: { stepId: 'how-to', at: later(3 * day) },
    });
    expect(preview.examples[3]).toEqual({ label: 'Contact 4', current: null, draft: null });
  });

  it('shows at most the asked-for number of examples', () => {
    const many = Array.from({ length: 9 }, (_, i) => waiting(`m${i}`, 1 * day));
    expect(previewSchedule(nurture, nurture, many, now, defaultDeliveryLimits).examples).toHaveLength(5);
  });
});
