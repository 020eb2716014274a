import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IncomingEvent, IncomingEventType } from '../../functions/domain/incoming-event.js';
import {
  decisionsFitting,
  idleWaitMs,
  type JourneyContact,
  nextTouch,
  phaseOf,
  salesAnswerDueAt,
  salesWaitMs,
  standingAfter,
} from '../../functions/domain/journey.js';
import { defaultRules } from '../../functions/domain/qualification.js';
import { stagesRulesMove } from '../../functions/domain/rules-preview.js';
import { defaultSchedules } from '../../functions/domain/schedule.js';

const day = 86_400_000;
const start = new Date('2026-01-05T09:00:00.000Z');
const at = (days: number) => new Date(start.getTime() + days * day);

/** A contact that came from organic search for a white paper: 10 + 10 points. */
const contact = (overrides: Partial<JourneyContact> = {}): JourneyContact => ({
  stage: 'name',
  score: 20,
  email: 'dana@acme.example',
  createdAt: start.toISOString(),
  scoreSignals: [
    {
      at: start.toISOString(),
      kind: 'touch',
      channel: 'organic_search',
      formKind: 'form',
      offer: 'white_paper',
    },
  ],
  ...overrides,
});

let sequence = 0;
const event = (type: IncomingEventType, days = 0, detail?: Record<string, string>): IncomingEvent => ({
  eventId: `e${++sequence}`,
  type,
  at: at(days).toISOString(),
  ...(detail ? { detail } : {}),
});

describe('standingAfter', () => {
  it('moves a silent contact nowhere', () => {
    const standing = standingAfter(contact(), [], at(3), defaultRules);
    expect(standing.stage).toBe('name');
    expect(standing.changes).toEqual([]);
    expect(standing.journey.track).toBe('nurture');
  });

  it('moves an engaged contact to engagement, and a fitting one on to target', () => {
    expect(standingAfter(contact(), [event('engaged')], at(1), defaultRules).stage).toBe('engagement');
    const fitting = contact({ company: 'Acme' });
    expect(standingAfter(fitting, [event('engaged')], at(1), defaultRules).stage).toBe('target');
    // A company on a free-mail address is not the default's fit, and no job title is needed.
    const freeMail = contact({ company: 'Acme', email: 'dana@gmail.com' });
    expect(standingAfter(freeMail, [event('engaged')], at(1), defaultRules).stage).toBe('engagement');
  });

  it('disqualifies an engaged contact a rule marks, and never a contact that has not engaged', () => {
    const student = contact({ company: 'Uni', jobTitle: 'PhD Student' });
    expect(standingAfter(student, [], at(1), defaultRules).stage).toBe('name');
    const engaged = standingAfter(student, [event('engaged')], at(1), defaultRules);
    expect(engaged.stage).toBe('disqualified');
    expect(engaged.changes).toMatchObject([{ from: 'name', to: 'disqualified' }]);
    // The prospect stays in control: asking for sales is honoured.
    const asks = event('submitted', 2, { channel: 'direct', buyingStage: 'ready_to_talk' });
    expect(standingAfter({ ...student, stage: 'disqualified' }, [asks], at(2), defaultRules).stage).toBe(
      'sales_lead',
    );
  });

  it('makes a fitting contact a lead at the marketing threshold and a sales lead at the sales one', () => {
    const fitting = contact({ company: 'Acme' });
    const lead = standingAfter(fitting, [event('engaged', 1), event('engaged', 1)], at(1), defaultRules);
    // 20 for the white paper from search, 2 × 10 for the clicks, a day of decay rounding to nothing.
    expect(lead).toMatchObject({ stage: 'lead', score: 40 });
    const demo = event('submitted', 2, { channel: 'organic_search', offerType: 'demo' });
    const sales = standingAfter(
      { ...fitting, stage: 'lead', scoreSignals: lead.scoreSignals },
      [demo],
      at(2),
      defaultRules,
    );
    expect(sales.stage).toBe('sales_lead');
    expect(sales.score).toBe(40 + 5 + 10 + 30);
  });

  it('lets engagement points fade: a click a half-life ago counts half', () => {
    const clicked = standingAfter(contact(), [event('engaged')], at(0), defaultRules);
    const later = standingAfter({ ...contact(), ...clicked }, [], at(90), defaultRules);
    expect(clicked.score).toBe(30);
    expect(later.score).toBe(25);
    // Forward only: a fading score never takes a stage back.
    expect(later.stage).toBe('engagement');
  });

  it('moves no contact at name or recycled under any rules without an event: a publish need not wake them', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'name' | 'recycled'>('name', 'recycled'),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 200 }),
        fc.boolean(),
        (stage, lead, more, fits) => {
          const rules = { ...defaultRules, thresholds: { lead, salesLead: lead + more } };
          const someone = contact({ stage, ...(fits ? { company: 'Acme' } : { jobTitle: 'Student' }) });
          expect(standingAfter(someone, [], at(1), rules).stage).toBe(stage);
          expect(stagesRulesMove).not.toContain(stage);
        },
      ),
    );
  });

  it('weighs a contact again under new rules with no event of its own', () => {
    const fitting = contact({ company: 'Acme', stage: 'target' });
    expect(standingAfter(fitting, [], at(1), defaultRules).stage).toBe('target');
    const lower = { ...defaultRules, version: 1, thresholds: { lead: 20, salesLead: 70 } };
    const moved = standingAfter(fitting, [], at(1), lower);
    expect(moved.stage).toBe('lead');
    expect(moved.changes).toEqual([
      { from: 'target', to: 'lead', at: at(1).toISOString(), reason: 'rules v1; score 20' },
    ]);
  });

  it('honours a declared ready_to_talk at once', () => {
    const standing = standingAfter(
      contact(),
      [event('submitted', 1, { channel: 'direct', buyingStage: 'ready_to_talk' })],
      at(1),
      defaultRules,
    );
    expect(standing).toMatchObject({ stage: 'sales_lead', buyingStage: 'ready_to_talk' });
    expect(phaseOf(standing.stage)).toBe('sales');
  });

  it('honours ready_to_talk from the preferences page without scoring it as a touch', () => {
    const declared = event('preferences_changed', 1, { buyingStage: 'ready_to_talk' });
    const quiet = standingAfter(contact(), [], at(1), defaultRules);
    const standing = standingAfter(contact(), [declared], at(1), defaultRules);
    expect(standing).toMatchObject({ stage: 'sales_lead', buyingStage: 'ready_to_talk', score: quiet.score });
    expect(standing.scoreSignals).toEqual(quiet.scoreSignals);
    expect(standing.changes).toEqual([expect.objectContaining({ from: 'name', to: 'sales_lead' })]);
  });

  it('only plans again for a pause or a track choice', () => {
    const paused = event('preferences_changed', 1, { change: 'paused' });
    for (const who of [contact(), contact({ stage: 'engagement', company: 'Acme' })]) {
      expect(standingAfter(who, [paused], at(1), defaultRules)).toEqual(
        standingAfter(who, [], at(1), defaultRules),
      );
    }
  });

  it('follows sales decisions: accept, then won', () => {
    const accepted = standingAfter(
      contact({ stage: 'sales_lead' }),
      [event('sales_accepted')],
      at(1),
      defaultRules,
    );
    expect(accepted.stage).toBe('opportunity');
    const won = standingAfter({ ...contact(), stage: 'opportunity' }, [event('won')], at(2), defaultRules);
    expect(won).toMatchObject({
      stage: 'customer',
      journey: { track: 'customer', anchorAt: at(2).toISOString() },
    });
  });

  it('recycles a rejected sales lead, and one nobody answered in time', () => {
    const rejected = standingAfter(
      contact({ stage: 'sales_lead' }),
      [event('sales_rejected')],
      at(1),
      defaultRules,
    );
    expect(rejected).toMatchObject({ stage: 'recycled', journey: { track: 'recycle', recycleCount: 1 } });
    const ignored = contact({ stage: 'sales_lead' });
    expect(standingAfter(ignored, [], at(4), defaultRules).stage).toBe('sales_lead');
    expect(standingAfter(ignored, [], at(5), defaultRules).stage).toBe('recycled');
  });

  it('brings a recycled contact that engages back into engagement', () => {
    const standing = standingAfter(contact({ stage: 'recycled' }), [event('engaged')], at(1), defaultRules);
    expect(standing.stage).toBe('engagement');
  });

  it('hands a recycled contact to sales when it says, on its preferences page, it is ready to talk', () => {
    const ready = event('preferences_changed', 1, { buyingStage: 'ready_to_talk' });
    const standing = standingAfter(contact({ stage: 'recycled' }), [ready], at(1), defaultRules);
    expect(standing.stage).toBe('sales_lead');
    // Saying it is no signal: the score stays what the contact's touches and clicks make it.
    expect(standing.score).toBe(20);
  });

  it('lets nothing move an unsubscribed contact', () => {
    const standing = standingAfter(
      contact(),
      [event('unsubscribed'), event('engaged', 1), event('won', 2)],
      at(3),
      defaultRules,
    );
    expect(standing.stage).toBe('unsubscribed');
    expect(phaseOf(standing.stage)).toBe('ended');
  });

  it('applies events in the order they happened, not the order they were read', () => {
    const later = event('sales_rejected', 2);
    const earlier = event('sales_accepted', 1);
    expect(standingAfter(contact({ stage: 'sales_lead' }), [later, earlier], at(3), defaultRules).stage).toBe(
      'opportunity',
    );
  });
});

describe('nextTouch', () => {
  const nurture = defaultSchedules.nurture;

  it('sends the welcome at once and waits for the next step', () => {
    const touch = nextTouch(nurture, new Set(), start.toISOString(), start, true);
    expect(touch.send?.id).toBe('welcome');
    expect(touch.waitMs).toBe(3 * day);
  });

  it('waits out the rest of a delay counted from the previous touch', () => {
    const touch = nextTouch(nurture, new Set(['welcome']), start.toISOString(), at(1), true);
    expect(touch).toEqual({ anchorAt: start.toISOString(), waitMs: 2 * day });
  });

  it('sends one overdue step at a time, spaced by the following delay', () => {
    const touch = nextTouch(nurture, new Set(['welcome']), start.toISOString(), at(30), true);
    expect(touch.send?.id).toBe('case-study');
    expect(touch).toMatchObject({ anchorAt: at(30).toISOString(), waitMs: 4 * day });
  });

  it('sends nothing without consent, and idles when the track is done', () => {
    expect(nextTouch(nurture, new Set(), start.toISOString(), start, false)).toEqual({
      anchorAt: start.toISOString(),
      waitMs: idleWaitMs,
    });
    const allSent = new Set(nurture.steps.map((step) => step.id));
    expect(nextTouch(nurture, allSent, start.toISOString(), at(60), true).send).toBeUndefined();
  });
});

describe('salesWaitMs', () => {
  it('waits for a sales answer until the agreed deadline', () => {
    const standing = standingAfter(contact({ stage: 'sales_lead' }), [], at(2), defaultRules);
    expect(salesWaitMs(standing, at(2), defaultRules)).toBe(3 * day);
  });
});

describe('sales decisions', () => {
  it('keep who decided, the reason code and the note in the stage change', () => {
    const rejected = event('sales_rejected', 1, {
      reason: 'no_budget',
      note: 'Back in Q3',
      byEmail: 'sam@example.com',
      bySub: 'sam',
    });
    const standing = standingAfter(contact({ stage: 'sales_lead' }), [rejected], at(1), defaultRules);
    expect(standing.changes).toEqual([
      {
        from: 'sales_lead',
        to: 'recycled',
        at: at(1).toISOString(),
        reason: 'sales rejected',
        by: 'sam@example.com',
        decisionReason: 'no_budget',
        decisionNote: 'Back in Q3',
      },
    ]);
  });

  it("leave another event's reason where it was: the move's own", () => {
    const bounced = event('bounced', 1, { reason: 'bounced: General' });
    const [change] = standingAfter(contact(), [bounced], at(1), defaultRules).changes;
    expect(change).toEqual({ from: 'name', to: 'suppressed', at: at(1).toISOString(), reason: 'bounced' });
  });

  it('are offered where they fit the stage', () => {
    expect(decisionsFitting('sales_lead')).toEqual(['sales_accepted', 'sales_rejected', 'won', 'lost']);
    expect(decisionsFitting('opportunity')).toEqual(['won', 'lost']);
    expect(decisionsFitting('customer')).toEqual([]);
  });
});

describe('salesAnswerDueAt', () => {
  it('is the agreed days after the contact became a sales lead, where the journey waits until', () => {
    // 20 points and a click make 30: past this sales threshold.
    const rules = { ...defaultRules, thresholds: { lead: 20, salesLead: 30 } };
    const standing = standingAfter(
      contact({ stage: 'lead', company: 'Acme' }),
      [event('engaged', 1)],
      at(1),
      rules,
    );
    expect(standing.stage).toBe('sales_lead');
    const { stage, journey } = standing;
    const dueAt = salesAnswerDueAt({ stage, journey, createdAt: start.toISOString() }, rules);
    expect(dueAt).toBe(at(1 + rules.salesAnswerWithinDays).toISOString());
    expect(Date.parse(dueAt ?? '') - at(2).getTime()).toBe(salesWaitMs(standing, at(2), rules));
  });

  it('counts from creation for a contact created a sales lead, before its journey took a step', () => {
    expect(
      salesAnswerDueAt(contact({ stage: 'sales_lead' }), { ...defaultRules, salesAnswerWithinDays: 2 }),
    ).toBe(at(2).toISOString());
  });

  it('is undefined for every other stage', () => {
    for (const stage of ['lead', 'opportunity', 'recycled'] as const) {
      expect(salesAnswerDueAt(contact({ stage, journey: undefined }), defaultRules)).toBeUndefined();
    }
  });
});
