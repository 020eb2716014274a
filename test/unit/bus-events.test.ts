import { describe, expect, it } from 'vitest';
import { entryChanges, erasedEvent, stageChangeEvents } from '../../functions/domain/bus-events.js';
import type { Contact } from '../../functions/domain/contact.js';

const contact = {
  contactId: 'c-1',
  company: 'Acme Corp',
  buyingStage: 'comparing',
  latestTouch: {
    touchId: 't-1',
    contactId: 'c-1',
    receivedAt: '2026-03-01T09:00:00.000Z',
    where: { channel: 'paid_search' },
    what: { kind: 'webinar' },
    why: { offer: { type: 'webinar', id: 'w-1' } },
  },
} satisfies Pick<Contact, 'contactId' | 'company' | 'latestTouch' | 'buyingStage'>;
const at = '2026-03-02T10:00:00.000Z';

describe('bus events', () => {
  it('announce each stage change, and a handoff only for a move into sales_lead', () => {
    const events = stageChangeEvents(
      contact,
      [
        { from: 'engagement', to: 'lead', at, reason: 'engaged; score 40' },
        { from: 'lead', to: 'sales_lead', at, reason: 'engaged; score 70' },
      ],
      70,
      'https://leadflow.example.com/admin',
    );
    expect(events.map((event) => event.detailType)).toEqual([
      'Contact Stage Changed',
      'Contact Stage Changed',
      'Sales Lead Ready',
    ]);
    expect(events[2]?.detail).toMatchObject({
      schemaVersion: 1,
      contactId: 'c-1',
      score: 70,
      company: 'Acme Corp',
      buyingStage: 'comparing',
      contactUrl: 'https://leadflow.example.com/admin#contact/c-1',
      latestTouch: { channel: 'paid_search', what: 'webinar', offerType: 'webinar' },
    });
    expect(new Set(events.map((event) => event.detail.eventId)).size).toBe(3);
  });

  it('give the same change the same id every time, so a re-put is deduplicable', () => {
    const change = { from: 'sales_lead', to: 'recycled', at, reason: 'sales rejected' } as const;
    const once = stageChangeEvents(contact, [change], 10, 'https://x/admin');
    const again = stageChangeEvents(contact, [change], 10, 'https://x/admin');
    expect(again).toEqual(once);
    expect(erasedEvent('c-1', new Date(at)).detail.eventId).toBe(
      erasedEvent('c-1', new Date()).detail.eventId,
    );
  });

  it('announce the stage a contact was created at once, at its journey’s first step', () => {
    expect(entryChanges({ stage: 'sales_lead', createdAt: at })).toEqual([
      { from: null, to: 'sales_lead', at, reason: 'asked to talk to sales' },
    ]);
    const journey = { generation: 1, anchorAt: at, stageSince: at, recycleCount: 0 };
    expect(entryChanges({ stage: 'name', createdAt: at, journey })).toEqual([]);
  });
});
