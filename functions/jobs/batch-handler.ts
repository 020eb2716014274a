import { clock } from '../adapters/clock.js';
import { JobRepository } from '../adapters/job-repository.js';
import { JourneyRepository } from '../adapters/journey-repository.js';
import { requireEnv } from '../config/env.js';
import type { JobCounts, WakeBatch } from '../domain/fan-out-job.js';
import { wakeJourney } from '../journey/lifecycle.js';
import { paced } from './pace.js';

const tableName = requireEnv('TABLE_NAME');
const jobs = new JobRepository(tableName);
const journeys = new JourneyRepository(tableName);

/** Wakes in flight at once within a batch: enough to hold its rate over a table's latency. */
const wakesInFlight = 10;

export interface BatchInput {
  batch: WakeBatch;
  /** This batch's share of the job's wake rate. */
  perSecond: number;
}

/**
 * One contact, exactly once per job: the event and the job's marker are stored together, and the
 * journey is woken. A batch run again (a retry, a redrive, Express's at-least-once) finds the
 * marker and wakes the journey again only if it has not yet applied the event, i.e. the run before
 * died between storing and waking; a journey already woken for it has spent that token, so the
 * second wake finds none to use.
 */
const wakeOnce = async (batch: WakeBatch, contactId: string): Promise<'reached' | 'skipped'> => {
  const stored = await jobs.storeEvent(contactId, batch.jobId, batch.event, clock.now());
  if (stored === 'gone') return 'skipped';
  if (stored === 'stored' || (await jobs.eventPending(contactId, batch.event))) {
    await wakeJourney(journeys, contactId, batch.event);
  }
  return 'reached';
};

/** A Distributed Map child's task: a batch of the job's contacts, paced, counted. */
export const handler = async (input: BatchInput): Promise<JobCounts> => {
  const outcomes = await paced(input.batch.contactIds, input.perSecond, wakesInFlight, (contactId) =>
    wakeOnce(input.batch, contactId),
  );
  return {
    reached: outcomes.filter((outcome) => outcome === 'reached').length,
    skipped: outcomes.filter((outcome) => outcome === 'skipped').length,
  };
};
