import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobView } from '../../functions/domain/fan-out-job.js';
import type { RulesPreview } from '../../functions/domain/rules-preview.js';
import { journeyArn, localStepFunctions } from '../support/emulated-aws.js';
import { journeyEnv, type RunningRuntime, startRuntime } from '../support/local-runtime.js';
import { seedContacts } from '../support/seeded-contacts.js';
import { allTableItems } from '../support/table-keys.js';

/**
 * Publishing a schedule reaches every contact on its track through a job: the request answers
 * 202 with it, and the job wakes each journey exactly once, through a lost batch result and a
 * crash of the whole runtime. 500 contacts are seeded in the table (the public intake would take
 * minutes), each with its real journey waiting on nurture.
 */
const contactCount = 500;
const sampleSize = 40;
let runtime: RunningRuntime;
let contactIds: string[] = [];
/** Every contact on nurture: the journeys seeded, and the contacts the preview suite adds at its stages. */
let onNurture = contactCount;

beforeAll(async () => {
  runtime = await startRuntime({
    env: { ...journeyEnv, PREVIEW_SAMPLE_SIZE: String(sampleSize) },
    ownProcessGroup: true,
  });
  contactIds = await seedContacts(runtime, contactCount, { journeys: true });
}, 600_000);

afterAll(async () => {
  await runtime?.stop();
});

interface Published {
  version: number;
  steps: unknown[];
  job: JobView;
}

/** Publishes the nurture schedule again as it stands: the job reaches the track all the same. */
const republishNurture = async () => {
  const current = await runtime.call('/v1/schedules/nurture', { admin: true });
  const schedule = (await current.json()) as { version: number; steps: unknown[] };
  const response = await runtime.call('/v1/schedules/nurture', {
    method: 'PUT',
    admin: true,
    json: { steps: schedule.steps },
    headers: { 'if-match': `"${schedule.version}"` },
  });
  return { response, published: (await response.json()) as Published };
};

const job = async (id: string) => {
  const response = await runtime.call(`/v1/jobs/${id}`, { admin: true });
  expect(response.status).toBe(200);
  return (await response.json()) as JobView;
};

/** Per contact, how many times a job's wake (SendTaskSuccess with the job's event) resumed its journey. */
const wakesBy = async (jobId: string): Promise<Map<string, number>> => {
  const sfn = await localStepFunctions(runtime);
  const executions: { name?: string; executionArn?: string }[] = [];
  let nextToken: string | undefined;
  do {
    const { ListExecutionsCommand } = await import('@aws-sdk/client-sfn');
    const page = await sfn.client.send(
      new ListExecutionsCommand({ stateMachineArn: journeyArn, maxResults: 1000, nextToken }),
    );
    executions.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const wakes = new Map(contactIds.map((id) => [id, 0]));
  for (const execution of executions) {
    const contactId = String(execution.name).replace(/-g\d+$/, '');
    for (const event of await sfn.historyOf(String(execution.executionArn))) {
      const output = event.taskSucceededEventDetails?.output;
      if (output && (JSON.parse(output) as { wokenBy?: string }).wokenBy === jobId) {
        wakes.set(contactId, (wakes.get(contactId) ?? 0) + 1);
      }
    }
  }
  sfn.client.destroy();
  return wakes;
};

/** The job's markers in the table: one per contact it has reached. */
const markersOf = async (jobId: string) =>
  (await allTableItems(runtime)).filter((item) => item.sk === `JOB#${jobId}`).length;

const tally = (wakes: Map<string, number>) => {
  const counts = new Map<number, number>();
  for (const n of wakes.values()) counts.set(n, (counts.get(n) ?? 0) + 1);
  return Object.fromEntries(counts);
};

describe('the rules preview over more contacts than it samples', () => {
  const preview = async () => {
    const current = (await (await runtime.call('/v1/rules', { admin: true })).json()) as {
      thresholds: { lead: number; salesLead: number };
    };
    const response = await runtime.call('/v1/rules/preview', {
      method: 'POST',
      admin: true,
      json: { ...current, thresholds: { lead: 1, salesLead: 99 } },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as RulesPreview;
  };

  // First: the seeding adapters keep the endpoints of the runtime's first start.
  it('reads every contact while they fit the sample, then a sample, and says so', async () => {
    // Prepare: contacts at stages the rules can move (the seeded 500 are at `name`).
    await seedContacts(runtime, sampleSize / 2, { stage: 'engagement', prefix: 'few' });
    const whole = await preview();
    await seedContacts(runtime, sampleSize * 2, { stage: 'target', prefix: 'many' });
    onNurture += sampleSize / 2 + sampleSize * 2;

    // Act
    const sampled = await preview();

    // Assess
    expect(whole).toMatchObject({ sampled: false, examined: sampleSize / 2, total: sampleSize / 2 });
    expect(sampled).toMatchObject({ sampled: true, total: sampleSize * 2 + sampleSize / 2 });
    expect(sampled.examined).toBeLessThanOrEqual(sampleSize);
    expect(sampled.examined).toBeGreaterThan(sampleSize / 2);
  }, 300_000);

  it('samples the schedule preview too, sized by the counters, and says so', async () => {
    const current = await runtime.call('/v1/schedules/nurture', { admin: true });
    const schedule = (await current.json()) as { steps: unknown[] };
    const response = await runtime.call('/v1/schedules/nurture/preview', {
      method: 'POST',
      admin: true,
      json: { steps: schedule.steps },
    });
    expect(response.status).toBe(200);
    const preview = (await response.json()) as { sampled: boolean; total: number; inFlight: number };
    expect(preview).toMatchObject({ sampled: true, total: onNurture });
    expect(preview.inFlight).toBeGreaterThan(0);
    expect(preview.inFlight).toBeLessThanOrEqual(sampleSize);
  }, 300_000);
});

describe('a schedule publish reaching 500 contacts', () => {
  it('answers 202 with the job at once, and the job wakes each contact exactly once', async () => {
    // Prepare: every seeded journey is waiting on nurture.
    // Act
    const { response, published } = await republishNurture();
    const early = await job(published.job.id);
    await runtime.settle();

    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe(`/v1/jobs/${published.job.id}`);
    expect(published).toMatchObject({ version: 1, job: { kind: 'schedule_publish', status: 'running' } });
    // Paced at 100 wakes a second, the job is still under way when the publish has answered.
    expect(early.status).toBe('running');
    expect(early.counts.reached).toBeLessThan(onNurture);
    expect(await job(published.job.id)).toMatchObject({
      status: 'done',
      counts: { reached: onNurture, skipped: 0 },
      target: { track: 'nurture', version: '1' },
      createdBy: { sub: 'local-admin' },
    });
    expect(tally(await wakesBy(published.job.id))).toEqual({ 1: contactCount });
  }, 600_000);

  it('wakes nobody twice when batches are retried after their results were lost', async () => {
    // Prepare: the emulated Lambda service loses the results of two batches that ran.
    const armed = await runtime.call('/_local/faults', {
      method: 'POST',
      json: { function: 'job-batch', when: 'after', times: 2 },
    });
    expect(armed.status).toBe(202);

    // Act: the map retries those batches after its back-off, on the runtime's clock.
    const { published } = await republishNurture();
    await runtime.advance('10m');

    // Assess
    expect(await job(published.job.id)).toMatchObject({
      status: 'done',
      counts: { reached: onNurture, skipped: 0 },
    });
    expect(tally(await wakesBy(published.job.id))).toEqual({ 1: contactCount });
  }, 600_000);

  it('resumes after the runtime is killed mid-job, and wakes nobody twice', async () => {
    // Prepare
    const { published } = await republishNurture();
    const jobId = published.job.id;
    for (let reached = 0; reached < 50; reached = await markersOf(jobId)) {
      await new Promise((wait) => setTimeout(wait, 100));
    }

    // Act: killed outright partway (it and its DynamoDB Local), then started on the same data.
    const reachedBeforeKill = await markersOf(jobId);
    await runtime.kill();
    await runtime.restart();
    await runtime.advance('10m');

    // Assess
    expect(reachedBeforeKill).toBeLessThan(onNurture);
    expect(await job(jobId)).toMatchObject({ status: 'done', counts: { reached: onNurture, skipped: 0 } });
    expect(await markersOf(jobId)).toBe(onNurture);
    // Journeys resumed by the restart apply a pending event without being woken: at most one wake.
    const wakes = await wakesBy(jobId);
    expect([...wakes.values()].filter((n) => n > 1)).toEqual([]);
    // Every journey applied the event (the preview's contacts have no journey to apply it).
    const journeyed = new Set(contactIds.map((id) => `CONTACT#${id}`));
    const pending = (await allTableItems(runtime)).filter((item) => item.eventId === jobId);
    expect(pending.filter((item) => journeyed.has(String(item.pk)))).toEqual([]);
    expect(pending).toHaveLength(onNurture - contactCount);
  }, 600_000);
});
