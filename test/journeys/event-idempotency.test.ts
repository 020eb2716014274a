import { describe, expect, it } from 'vitest';
import { submitLead, uniqueEmail } from '../support/leads.js';
import { journeyEnv, useRuntime } from '../support/local-runtime.js';

/**
 * A caller's own `eventId` on `POST /v1/contacts/{id}/events`: a retry, however late, is answered
 * as the first request was and counts once; another event under the same id is refused.
 */
const runtime = useRuntime({ env: journeyEnv });

const newContact = (fields: Record<string, unknown> = {}) =>
  submitLead(runtime, {
    email: uniqueEmail('idem', 'acme.example'),
    company: 'Acme Corp',
    offer: { type: 'white_paper' },
    ...fields,
  });

const postEvent = (contactId: string, body: Record<string, unknown>) =>
  runtime.call(`/v1/contacts/${contactId}/events`, { method: 'POST', admin: true, json: body });

const scoreOf = async (contactId: string) => {
  const response = await runtime.call(`/v1/contacts/${contactId}`, { admin: true });
  return ((await response.json()) as { score: number; stage: string }).score;
};

describe('an event sent again under its eventId', () => {
  it('counts once when the same body comes a minute later, and answers as the first time', async () => {
    const contactId = await newContact();
    const before = await scoreOf(contactId);
    const first = await postEvent(contactId, { type: 'engaged', eventId: 'click-1' });
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    await runtime.settle();
    const once = await scoreOf(contactId);
    expect(once).toBeGreaterThan(before);

    await runtime.advance('1m');
    const again = await postEvent(contactId, { type: 'engaged', eventId: 'click-1' });
    expect(again.status).toBe(202);
    expect(await again.json()).toEqual(firstBody);
    await runtime.settle();
    expect(await scoreOf(contactId)).toBe(once);
  });

  it('refuses a different event under an id already used, and the first one stands', async () => {
    const contactId = await newContact({ buyingStage: 'ready_to_talk', firstName: 'Sam' });
    const view = async () =>
      (await (await runtime.call(`/v1/contacts/${contactId}`, { admin: true })).json()) as { stage: string };
    expect((await view()).stage).toBe('sales_lead');

    const accepted = await postEvent(contactId, { type: 'sales_accepted', eventId: 'decision-7' });
    expect(accepted.status).toBe(202);
    await runtime.settle();
    expect((await view()).stage).toBe('opportunity');

    const rejected = await postEvent(contactId, {
      type: 'sales_rejected',
      reason: 'no_budget',
      eventId: 'decision-7',
    });
    expect(rejected.status).toBe(409);
    expect(await rejected.json()).toMatchObject({
      error: { code: 'event_id_reused', issues: [{ path: 'eventId' }] },
    });
    // A late retry of the accepted decision is still answered as it was, not as a misfit.
    const retried = await postEvent(contactId, { type: 'sales_accepted', eventId: 'decision-7' });
    expect(retried.status).toBe(202);
    await runtime.settle();
    expect((await view()).stage).toBe('opportunity');
  });

  it('is scoped to the contact: the same id on another contact is its own event', async () => {
    const [one, two] = [await newContact(), await newContact()];
    expect((await postEvent(one, { type: 'engaged', eventId: 'shared-id' })).status).toBe(202);
    expect((await postEvent(two, { type: 'engaged', eventId: 'shared-id' })).status).toBe(202);
    await runtime.settle();
    expect(await scoreOf(two)).toBe(await scoreOf(one));
  });
});
