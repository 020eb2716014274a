import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../../adapters/clock.js';
import { ContactRepository } from '../../adapters/contact-repository.js';
import { stageTotals } from '../../adapters/funnel-counters.js';
import { JobRepository } from '../../adapters/job-repository.js';
import { logger } from '../../adapters/logger.js';
import { ScheduleRepository } from '../../adapters/schedule-repository.js';
import { SendLedger } from '../../adapters/send-ledger.js';
import { TemplateRepository } from '../../adapters/template-repository.js';
import { previewAudience } from '../../adapters/track-members.js';
import { deliveryLimits, previewSampleSize } from '../../config/env.js';
import { mayEmail, wantsTrack } from '../../domain/contact.js';
import { type FanOutJob, newJob } from '../../domain/fan-out-job.js';
import { contactTimeZone, stagesOnTrack, trackRound } from '../../domain/journey.js';
import { publisher } from '../../domain/publication.js';
import { catchUpSpreadMs, type Schedule, type Track, tracks } from '../../domain/schedule.js';
import { parseDraft } from '../../domain/schedule-draft.js';
import { type ContactInFlight, previewSchedule } from '../../domain/schedule-preview.js';
import { callerOf } from '../../http/caller.js';
import { readBody } from '../../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';
import { ifMatchVersion, versionConflict, withVersion } from '../../http/versioned.js';
import { acceptedWithJob, startFanOutJob } from '../../jobs/lifecycle.js';
import { incomingEvent } from '../../journey/lifecycle.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

const scheduleWithVersion = (schedule: Schedule) => withVersion(schedule, schedule.version);

export const scheduleRoutes = (tableName: string): Record<string, Route> => {
  const limits = deliveryLimits();
  const sampleSize = previewSampleSize();
  const contacts = new ContactRepository(tableName);
  const jobs = new JobRepository(tableName);
  const ledger = new SendLedger(tableName);
  const schedules = new ScheduleRepository(tableName);
  const templates = new TemplateRepository(tableName);
  /** Each template's kind: a step must name a marketing template. */
  const templateKinds = async () =>
    new Map((await templates.list()).map((template) => [template.name, template.kind]));

  const withTrack =
    (route: (track: Track, event: APIGatewayProxyEventV2) => Promise<HttpResult>): Route =>
    async (event) => {
      const track = event.pathParameters?.track ?? '';
      if (!(tracks as readonly string[]).includes(track)) {
        return errorResponse(404, 'not_found', `No track ${track}; tracks are ${tracks.join(', ')}`);
      }
      return route(track as Track, event);
    };

  /**
   * Contacts on the track wait with timeouts planned from the old version: a job hands each a
   * `schedule_changed` event, which wakes its waiting task so the journey plans again from the new
   * version. Being stored, the event also reaches a journey that is mid-step (it read the old
   * version, and its next wait checks for events as soon as its token is parked). The job lists the
   * track after the publish, so a contact that joined the track meanwhile is reached too.
   */
  const replanInFlight = async (schedule: Schedule, now: Date, createdBy: FanOutJob['createdBy']) => {
    const jobId = `schedule-${schedule.track}-v${schedule.version}`;
    const target = { track: schedule.track, version: String(schedule.version) };
    const job = newJob(
      jobId,
      'schedule_publish',
      target,
      { stages: stagesOnTrack(schedule.track), event: incomingEvent('schedule_changed', now, target, jobId) },
      now.toISOString(),
      createdBy,
    );
    await startFanOutJob(jobs, job);
    return job;
  };

  /** The catch-up window for the track's contacts now, counted by the funnel's counters. */
  const catchUpSpread = async (track: Track): Promise<number> => {
    const totals = await stageTotals(tableName, stagesOnTrack(track));
    return catchUpSpreadMs(
      [...totals.values()].reduce((sum, n) => sum + n, 0),
      limits,
    );
  };

  /** The contacts on the track as the journey would see them now. */
  const inFlight = async (members: string[], track: Track, now: Date): Promise<ContactInFlight[]> => {
    const since = new Date(now.getTime() - limits.frequencyCap.perMs);
    const states = await Promise.all(
      members.map(async (contactId) => {
        const contact = await contacts.getContact(contactId);
        if (!contact?.journey) return undefined;
        const round = trackRound(track, contact.journey);
        const [sentStepIds, recentSends] = await Promise.all([
          ledger.stepIds(contactId, track, round),
          ledger.sendTimes(contactId, since),
        ]);
        return {
          contactId,
          journey: contact.journey,
          mayEmail: mayEmail(contact, now) && wantsTrack(contact, track),
          timeZone: contactTimeZone(contact.fields),
          sentStepIds,
          recentSends,
        };
      }),
    );
    return states.filter((state) => state !== undefined);
  };

  return {
    'POST /v1/schedules/{track}/preview': withTrack(async (track, event) => {
      const body = readBody(event);
      if (!body.ok) return body.response;
      const now = clock.now();
      const [current, history, kinds] = await Promise.all([
        schedules.current(track),
        schedules.versions(track),
        templateKinds(),
      ]);
      const draft = parseDraft(body.input, track, current, now, history, kinds);
      if (!draft.ok)
        return errorResponse(400, 'validation_failed', 'The schedule has invalid fields', draft.issues);
      // The track's contacts, or past the sample size a sample of them: every count is then the sample's.
      const audience = await previewAudience(tableName, stagesOnTrack(track), sampleSize);
      draft.value.catchUp = { from: now.toISOString(), spreadMs: await catchUpSpread(track) };
      const contactsInFlight = await inFlight(audience.contactIds, track, now);
      return json(200, {
        ...previewSchedule(current, draft.value, contactsInFlight, now, limits),
        sampled: audience.sampled,
        total: audience.total,
      });
    }),
    'GET /v1/schedules': async () =>
      json(200, { schedules: await Promise.all(tracks.map((track) => schedules.current(track))) }),
    'GET /v1/schedules/{track}': withTrack(async (track) =>
      scheduleWithVersion(await schedules.current(track)),
    ),
    'GET /v1/schedules/{track}/versions': withTrack(async (track) =>
      json(200, { versions: await schedules.versions(track) }),
    ),
    'PUT /v1/schedules/{track}': withTrack(async (track, event) => {
      const ifMatch = ifMatchVersion(event, 'schedule');
      if (!ifMatch.ok) return ifMatch.response;
      const expected = ifMatch.version;
      const body = readBody(event);
      if (!body.ok) return body.response;
      const current = await schedules.current(track);
      const conflict = () => versionConflict(expected, current.version);
      if (current.version !== expected) return conflict();
      const now = clock.now();
      const [history, kinds] = await Promise.all([schedules.versions(track), templateKinds()]);
      const draft = parseDraft(body.input, track, current, now, history, kinds);
      if (!draft.ok)
        return errorResponse(400, 'validation_failed', 'The schedule has invalid fields', draft.issues);
      // The job reaches the track; the request only counts it.
      draft.value.catchUp = { from: now.toISOString(), spreadMs: await catchUpSpread(track) };
      const caller = callerOf(event);
      if (caller) draft.value.publishedBy = publisher(caller);
      if (!(await schedules.publish(draft.value, expected))) return conflict();
      const job = await replanInFlight(draft.value, now, draft.value.publishedBy);
      logger.info('Schedule published', { track, version: draft.value.version, jobId: job.jobId });
      return acceptedWithJob(draft.value, draft.value.version, job);
    }),
  };
};
