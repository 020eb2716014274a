import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normaliseEmail } from '../../functions/domain/email-address.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { allTableItems, tableKeys } from '../support/table-keys.js';

let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startRuntime({ env: journeyEnv });
});

afterAll(async () => {
  await runtime?.stop();
});

let sequence = 0;
const uniqueEmail = (label: string) => `${label}-${++sequence}-${Date.now()}@example.com`;

const post = (fields: Record<string, unknown>) =>
  runtime.call('/v1/contacts', { method: 'POST', json: fields });

const erase = (contactId: string) =>
  runtime.call(`/v1/contacts/${contactId}`, { method: 'DELETE', admin: true });

/** The contacts `GET /v1/contacts?email=` finds for an address. */
const contactsOf = async (email: string): Promise<{ contactId: string }[]> => {
  const response = await runtime.call(`/v1/contacts?email=${encodeURIComponent(email)}`, { admin: true });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: { contactId: string }[] }).items;
};

const contactIdOf = async (email: string): Promise<string> => {
  const [contact] = await contactsOf(email);
  if (!contact) throw new Error(`No contact for ${email}`);
  return contact.contactId;
};

/** What erasure keeps: records keyed by a salted hash of the address, never under the contact. */
const isKept = (item: Record<string, unknown>) => String(item.pk).startsWith('ERASED#');

/** Nothing kept may name the person or point back at the erased contact. */
const expectAnonymous = (items: Record<string, unknown>[], ...secrets: string[]) => {
  for (const item of items) {
    const text = JSON.stringify(item).toLowerCase();
    for (const secret of secrets) expect(text).not.toContain(secret.toLowerCase());
  }
};

describe('DELETE /v1/contacts/{id} racing intakes of the same address', () => {
  it('answers every intake 202 and leaves exactly one fresh contact, nothing of the erased one', async () => {
    const rounds = 20;
    const intakesPerRound = 4;
    const statuses: number[] = [];
    const deletes: number[] = [];
    let withOneContact = 0;
    let leftovers = 0;

    for (let round = 0; round < rounds; round++) {
      const email = uniqueEmail('race');
      expect((await post({ email, consent: true, firstName: 'Rita', form: 'seed' })).status).toBe(202);
      await runtime.settle();
      const erasedId = await contactIdOf(email);

      const [deleted, ...intakes] = await Promise.all([
        erase(erasedId),
        ...Array.from({ length: intakesPerRound }, (_, i) =>
          post({ email, consent: true, firstName: 'Rita', form: `race-${i}` }),
        ),
      ]);
      await runtime.settle();
      deletes.push(deleted?.status ?? 0);
      statuses.push(...intakes.map((response) => response.status));

      const listed = await contactsOf(email);
      const items = await allTableItems(runtime);
      const claims = items.filter((item) => item.pk === `EMAIL#${normaliseEmail(email)}`);
      const owner = claims[0]?.contactId;
      const profile = items.find((item) => item.pk === `CONTACT#${owner}` && item.sk === 'PROFILE');
      if (
        listed.length === 1 &&
        listed[0]?.contactId === owner &&
        claims.length === 1 &&
        profile &&
        owner !== erasedId
      ) {
        withOneContact++;
      }
      leftovers += items.filter((item) => item.pk === `CONTACT#${erasedId}`).length;
      expectAnonymous(items.filter(isKept), email, erasedId, 'Rita');
    }

    console.log(
      `${rounds} rounds × ${intakesPerRound} intakes: ${statuses.filter((s) => s === 500).length} × 500, ` +
        `${withOneContact}/${rounds} addresses with exactly one contact, ${leftovers} leftover items; ` +
        `deletes answered ${[...new Set(deletes)].join(', ')}`,
    );
    expect(statuses.every((status) => status === 202)).toBe(true);
    expect(deletes.every((status) => status === 204 || status === 404)).toBe(true);
    expect(withOneContact).toBe(rounds);
    expect(leftovers).toBe(0);
  }, 240_000);
});

describe('DELETE /v1/contacts/{id}', () => {
  it('removes every item of the contact and keeps only an anonymous record of consent and erasure', async () => {
    const email = uniqueEmail('Erased.Person');
    // A request answered (REPLY#), the welcome sent (SEND#), consent granted then withdrawn, a
    // request while unconfirmed (REPLYDAY#) and an event: every kind of item a contact gathers.
    await post({
      email,
      consent: true,
      firstName: 'Erin',
      lastName: 'Ersatz',
      company: 'Initech',
      offer: { type: 'ebook', id: 'pipeline-report-2027' },
      source: { landingPage: `https://leadflow.example/report?email=${encodeURIComponent(email)}` },
      consentText: 'Yes, send me marketing email',
    });
    await runtime.settle();
    const contactId = await contactIdOf(email);
    await post({ email, consent: false });
    // Past a day, an unconfirmed contact may have one reply again.
    await runtime.advance('2d');
    await post({ email, offer: { type: 'ebook', id: 'email-benchmarks' } });
    await runtime.settle();
    // The journey's next step fails once, so the event waits for its retry (EVENT#).
    const armed = await runtime.call('/_local/faults', {
      method: 'POST',
      json: { function: 'advance', when: 'before', times: 1, contactId },
    });
    expect(armed.status).toBe(202);
    const events = await runtime.call(`/v1/contacts/${contactId}/events`, {
      method: 'POST',
      admin: true,
      json: { type: 'engaged' },
    });
    expect(events.status).toBe(202);
    await runtime.settle();
    const everything = await allTableItems(runtime);
    const keptBefore = new Set(everything.filter(isKept).map((item) => `${item.pk} ${item.sk}`));
    const before = everything.filter((item) => item.pk === `CONTACT#${contactId}`);
    const kinds = new Set(before.map((item) => String(item.sk).split('#')[0]));
    expect([...kinds].sort()).toEqual(['CONSENT', 'EVENT', 'PROFILE', 'REPLY', 'REPLYDAY', 'SEND', 'TOUCH']);

    const erased = await erase(contactId);
    // The journey's retry falls due, finds the contact gone and writes nothing.
    await runtime.advance('1d');

    expect(erased.status).toBe(204);
    const items = await allTableItems(runtime);
    expect(items.filter((item) => item.pk === `CONTACT#${contactId}`)).toEqual([]);
    expect(items.some((item) => item.pk === `EMAIL#${normaliseEmail(email)}`)).toBe(false);
    expect(items.some((item) => JSON.stringify(item).includes(contactId))).toBe(false);
    const kept = items.filter((item) => isKept(item) && !keptBefore.has(`${item.pk} ${item.sk}`));
    expect(kept.map((item) => String(item.sk).split('#')[0]).sort()).toEqual([
      'CONSENT',
      'CONSENT',
      'ERASURE',
    ]);
    expect(new Set(kept.map((item) => item.pk)).size).toBe(1);
    const consentProof = kept
      .filter((item) => String(item.sk).startsWith('CONSENT#'))
      .sort((a, b) => String(a.action).localeCompare(String(b.action)));
    expect(consentProof).toEqual([
      expect.objectContaining({
        action: 'granted',
        method: 'single_opt_in',
        landingPage: 'https://leadflow.example/report',
        wording: 'Yes, send me marketing email',
      }),
      expect.objectContaining({ action: 'withdrawn', method: 'form' }),
    ]);
    expectAnonymous(kept, email, normaliseEmail(email), contactId, 'Erin', 'Ersatz', 'Initech');
    expect(kept.every((item) => typeof item.expiresAt === 'number')).toBe(true);

    // The person may sign up again themselves: the record blocks nothing.
    expect((await post({ email, consent: true })).status).toBe(202);
    await runtime.settle();
    expect(await contactIdOf(email)).not.toBe(contactId);
  });

  it('leaves the address nowhere, when the links it came by carried it in their labels', async () => {
    const email = uniqueEmail('linked');
    const phone = '+49 30 1234567';
    const response = await post({
      email,
      consent: true,
      form: `followup-${email}`,
      source: { utm_source: `crm-${email}`, utm_campaign: `followup-${email}`, utm_content: phone },
      fields: { callback: phone },
    });
    expect(response.status).toBe(202);
    await runtime.settle();
    const contactId = await contactIdOf(email);
    const sources = await runtime.call('/v1/reports/sources', { admin: true });
    expect(JSON.stringify(await sources.json()).toLowerCase()).not.toContain(email.toLowerCase());

    expect((await erase(contactId)).status).toBe(204);
    await runtime.settle();
    const everything = await allTableItems(runtime);
    // Keys included: a counter's key is where a label lives.
    expectAnonymous(everything, email, normaliseEmail(email), encodeURIComponent(email), contactId, phone);
  });

  it('answers 404 for an unknown contact and changes nothing', async () => {
    const before = await tableKeys(runtime);

    const response = await erase('no-such-contact');

    expect(response.status).toBe(404);
    expect(await tableKeys(runtime)).toEqual(before);
  });
});
