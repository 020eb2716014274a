import { clock } from '../adapters/clock.js';
import { JobRepository } from '../adapters/job-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { type StagesCursor, stagesPage } from '../adapters/track-members.js';
import { requireEnv } from '../config/env.js';
import type { FanOutJob } from '../domain/fan-out-job.js';
import { wakeJourney } from '../journey/lifecycle.js';
import type { ItemOutcome, JobRunner } from './job-runner.js';

const tableName = () => requireEnv('TABLE_NAME');

/**
 * One contact, exactly once per job: the event and the job's marker are stored together, and the
 * journey is woken. A batch run again (a retry, a redrive, Express's at-least-once) finds the
 * marker and wakes the journey again only if it has not yet applied the event, i.e. the run before
 * died between storing and waking; a journey already woken for it has spent that token, so the
 * second wake finds none to use.
 */
const wakeOnce = async (
  job: FanOutJob<'schedule_publish' | 'rules_publish'>,
  contactId: string,
): Promise<ItemOutcome> => {
  const jobs = new JobRepository(tableName());
  const { event } = job.spec;
  const stored = await jobs.storeEvent(contactId, job.jobId, event, clock.now());
  if (stored === 'gone') return 'skipped';
  if (stored === 'stored' || (await jobs.eventPending(contactId, event))) {
    await wakeJourney(new JourneyRepository(tableName()), contactId, event);
  }
  return 'reached';
};

/** A publish's job: every contact at the spec's stages (the by-stage index) is handed its event. */
export const wakeContacts: JobRunner<'schedule_publish' | 'rules_publish'> = {
  page: async (job, cursor, limit) => {
    const { contactIds, next } = await stagesPage(
      tableName(),
      job.spec.stages,
      cursor as StagesCursor,
      limit,
    );
    return { items: contactIds, next: next as Record<string, unknown> | null };
  },
  item: wakeOnce,
};
