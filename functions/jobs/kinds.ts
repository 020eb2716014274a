import type { JobKind } from '../domain/fan-out-job.js';
import type { JobRunner } from './job-runner.js';
import { wakeContacts } from './wake-contacts.js';

/** Every kind's runner: a new kind of job (a broadcast, an import, an export) adds its own here. */
const runners: { [K in JobKind]: JobRunner<K> } = {
  schedule_publish: wakeContacts,
  rules_publish: wakeContacts,
};

export const runnerOf = (kind: JobKind): JobRunner => runners[kind] as JobRunner;
