import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';

const dataDir = mkdtempSync(join(tmpdir(), 'leadflow-crash-'));
const outboxDir = join(dataDir, 'outbox');
let runtime: RunningRuntime;

beforeAll(async () => {
  runtime = await startRuntime({ dataDir, env: journeyEnv, ownProcessGroup: true });
});

afterAll(async () => {
  await runtime?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const emlFiles = () => readdirSync(outboxDir).filter((name) => name.endsWith('.eml'));

/** Until the outbox directory holds `count` emails, or `done` says the advance ended first. */
const waitForEmails = async (count: number, done: () => boolean) => {
  while (emlFiles().length < count && !done()) await new Promise((wait) => setTimeout(wait, 2));
};

const clockNow = async () =>
  Date.parse(((await (await runtime.call('/_local/clock')).json()) as { now: string }).now);

describe('the local runtime killed outright (SIGKILL of its process group) partway through an advance', () => {
  it('lists every .eml after a restart, never turns its clock back, and sends nothing twice', async () => {
    for (let i = 0; i < 10; i++) {
      const response = await runtime.call('/v1/contacts', {
        method: 'POST',
        json: { email: `crash-${i}-${Date.now()}@example.com`, consent: true },
      });
      expect(response.status).toBe(202);
    }
    await runtime.settle();
    const welcomed = emlFiles().length;
    expect(welcomed).toBe(10);

    // Ten nurture journeys send 40 more emails over three weeks: kill early, midway and late.
    // Counted first and checked at the end, so the tally is printed whatever it finds.
    const advances: string[] = [];
    const unlisted: string[] = [];
    const clockBehind: { now: number; latest: number }[] = [];
    for (const sentBeforeKill of [3, 15, 28]) {
      let ended = false;
      const advancing = runtime.advance('30d').then(
        () => 'finished',
        () => 'cut',
      );
      void advancing.finally(() => {
        ended = true;
      });
      await waitForEmails(welcomed + sentBeforeKill, () => ended);
      await runtime.kill();
      advances.push(await advancing);

      await runtime.restart();
      const listed = new Set((await runtime.outbox()).map((mail) => basename(mail.path)));
      unlisted.push(...emlFiles().filter((name) => !listed.has(name)));
      const latest = Math.max(...(await runtime.outbox()).map((mail) => Date.parse(mail.sentAt)));
      const now = await clockNow();
      if (now < latest) clockBehind.push({ now, latest });
    }
    await runtime.advance('30d');

    const outbox = await runtime.outbox();
    const keys = outbox.map((mail) => `${mail.contactId} ${mail.track} ${mail.step}`);
    const duplicates = keys.length - new Set(keys).size;
    console.log(
      `Crash: ${advances.length} kills (advance ${advances.join(', ')}), ${outbox.length} emails of 50 ` +
        `scheduled (${emlFiles().length} .eml files), ${duplicates} duplicates, ${unlisted.length} index ` +
        `misses, clock behind its emails after ${clockBehind.length} restarts`,
    );
    expect(unlisted).toEqual([]);
    expect(clockBehind).toEqual([]);
    expect(outbox.every((mail) => mail.contactId)).toBe(true);
    expect(duplicates).toBe(0);
    expect(outbox).toHaveLength(emlFiles().length);
  }, 240_000);
});
