import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { ContactRepository } from '../adapters/contact-repository.js';
import { logger } from '../adapters/logger.js';
import { ScheduleRepository } from '../adapters/schedule-repository.js';
import { SendLedger } from '../adapters/send-ledger.js';
import { wakeTask } from '../adapters/stepfunctions.js';
import { type TrackMember, trackMembers } from '../adapters/track-members.js';
import { deliveryLimits } from '../config/env.js';
import { mayEmail } from '../domain/contact.js';
import { contactTimeZone, trackRound } from '../domain/journey.js';
import { catchUpSpreadMs, type Schedule, type Track, tracks } from '../domain/schedule.js';
import { parseDraft } from '../domain/schedule-draft.js';
import { type ContactInFlight, previewSchedule } from '../domain/schedule-preview.js';
import { defaultSubjects, templateIds } from '../domain/templates.js';
import { header, readBody } from '../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** Contacts woken at once after a publish; the rest follow as these finish. */
const wakeConcurrency = 10;

export const scheduleRoutes = (tableName: string): Record<string, Route> => {
  const limits = deliveryLimits();
  const contacts = new ContactRepository(tableName);
  const ledger = new SendLedger(tableName);
  const schedules = new ScheduleRepository(tableName);

  const withTrack =
    (route: (track: Track, event: APIGatewayProxyEventV2) => Promise<HttpResult>): Route =>
    async (event) => {
      const track = event.pathParameters?.track ?? '';
      if (!(tracks as readonly string[]).includes(track)) {
        return errorResponse(404, 'not_found', `No track ${track}; tracks are ${tracks.join(', ')}`);
      }
      return route(track as Track, event);
    };

  const withVersion = (schedule: Schedule) => json(200, schedule, { etag: `"${schedule.version}"` });

  /**
   * Contacts on the track wait with timeouts planned from the old version: wake each so its
   * journey plans again from the new one. A journey mid-step reads the new version itself.
   */
  const replanInFlight = async (members: TrackMember[], track: Track) => {
    const waiting = members.filter((member) => member.taskToken);
    for (let i = 0; i < waiting.length; i += wakeConcurrency) {
      await Promise.all(
        waiting
          .slice(i, i + wakeConcurrency)
          .map((member) => wakeTask(member.taskToken ?? '', { wokenBy: `schedule ${track} edited` })),
      );
    }
    return waiting.length;
  };

  /** The contacts on the track as the journey would see them now. */
  const inFlight = async (members: TrackMember[], track: Track, now: Date): Promise<ContactInFlight[]> => {
    const since = new Date(now.getTime() - limits.frequencyCap.perMs);
    const states = await Promise.all(
      members.map(async ({ contactId }) => {
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
          mayEmail: mayEmail(contact),
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
      const current = await schedules.current(track);
      const draft = parseDraft(body.input, track, current, now);
      if (!draft.ok)
        return errorResponse(400, 'validation_failed', 'The schedule has invalid fields', draft.issues);
      const members = await trackMembers(tableName, track);
      draft.value.catchUp = { from: now.toISOString(), spreadMs: catchUpSpreadMs(members.length, limits) };
      const contactsInFlight = await inFlight(members, track, now);
      return json(200, previewSchedule(current, draft.value, contactsInFlight, now, limits));
    }),
    'GET /v1/schedules': async () =>
      json(200, { schedules: await Promise.all(tracks.map((track) => schedules.current(track))) }),
    'GET /v1/schedules/{track}': withTrack(async (track) => withVersion(await schedules.current(track))),
    'GET /v1/schedules/{track}/versions': withTrack(async (track) =>
      json(200, { versions: await schedules.versions(track) }),
    ),
    'PUT /v1/schedules/{track}': withTrack(async (track, event) => {
      const ifMatch = header(event, 'if-match');
      if (ifMatch === undefined) {
        return errorResponse(
          428,
          'precondition_required',
          'Send If-Match: <version> of the schedule you edited',
          [{ path: 'If-Match', message: 'is required' }],
        );
      }
      const expected = Number(ifMatch.replace(/^W\//, '').replaceAll('"', '').trim());
      if (!Number.isInteger(expected) || expected < 0) {
        return errorResponse(400, 'validation_failed', 'If-Match must be a schedule version', [
          { path: 'If-Match', message: 'must be a version number' },
        ]);
      }
      const body = readBody(event);
      if (!body.ok) return body.response;
      const current = await schedules.current(track);
      const conflict = () =>
        errorResponse(
          409,
          'version_conflict',
          `Version ${expected} is not the current one; reload and edit again`,
          [{ path: 'If-Match', message: `the current version is ${current.version}` }],
        );
      if (current.version !== expected) return conflict();
      const now = clock.now();
      const draft = parseDraft(body.input, track, current, now);
      if (!draft.ok)
        return errorResponse(400, 'validation_failed', 'The schedule has invalid fields', draft.issues);
      const members = await trackMembers(tableName, track);
      draft.value.catchUp = { from: now.toISOString(), spreadMs: catchUpSpreadMs(members.length, limits) };
      if (!(await schedules.publish(draft.value, expected))) return conflict();
      const woken = await replanInFlight(members, track);
      logger.info('Schedule published', { track, version: draft.value.version, woken });
      return withVersion(draft.value);
    }),
    'GET /v1/templates': async () =>
      json(200, { templates: templateIds.map((id) => ({ id, subject: defaultSubjects[id] })) }),
  };
};
