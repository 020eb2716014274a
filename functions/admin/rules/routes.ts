import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../../adapters/clock.js';
import type { ContactRepository } from '../../adapters/contact-repository.js';
import { JobRepository } from '../../adapters/job-repository.js';
import { logger } from '../../adapters/logger.js';
import type { RulesRepository } from '../../adapters/rules-repository.js';
import { previewAudience } from '../../adapters/track-members.js';
import { previewSampleSize } from '../../config/env.js';
import type { Contact } from '../../domain/contact.js';
import { newJob } from '../../domain/fan-out-job.js';
import { publisher } from '../../domain/publication.js';
import { parseRulesDraft } from '../../domain/rules-draft.js';
import { previewRules, stagesRulesMove } from '../../domain/rules-preview.js';
import { callerOf } from '../../http/caller.js';
import { readBody } from '../../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';
import { ifMatchVersion, versionConflict, withVersion } from '../../http/versioned.js';
import { acceptedWithJob, startFanOutJob } from '../../jobs/lifecycle.js';
import { incomingEvent } from '../../journey/lifecycle.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/**
 * Larger than any draft the fields allow, so an oversize one is told which field to shorten
 * (`maxRulesBytes`) rather than refused whole; the rest is room for what GET adds (version, note).
 */
const maxRulesRequestBytes = 640 * 1024;

/** Contacts read at once for a preview. */
const readConcurrency = 20;

const invalid = (issues: { path: string; message: string }[]) =>
  errorResponse(400, 'validation_failed', 'The rules have invalid fields', issues);

export const rulesRoutes = (
  tableName: string,
  contacts: ContactRepository,
  rules: RulesRepository,
): Record<string, Route> => {
  const jobs = new JobRepository(tableName);
  const sampleSize = previewSampleSize();

  /** The contacts a change of the rules can move, as their journeys would read them (or a sample). */
  const weighed = async (): Promise<{ contacts: Contact[]; total: number }> => {
    const { contactIds: ids, total } = await previewAudience(tableName, stagesRulesMove, sampleSize);
    const found: Contact[] = [];
    for (let i = 0; i < ids.length; i += readConcurrency) {
      const batch = await Promise.all(ids.slice(i, i + readConcurrency).map((id) => contacts.getContact(id)));
      for (const contact of batch) if (contact) found.push(contact);
    }
    return { contacts: found, total };
  };

  return {
    'GET /v1/rules': async () => {
      const current = await rules.current();
      return withVersion(current, current.version);
    },
    'GET /v1/rules/versions': async () => json(200, { versions: await rules.versions() }),
    'POST /v1/rules/preview': async (event) => {
      const body = readBody(event, maxRulesRequestBytes);
      if (!body.ok) return body.response;
      const now = clock.now();
      const current = await rules.current();
      const draft = parseRulesDraft(body.input, current, now);
      if (!draft.ok) return invalid(draft.issues);
      const { contacts: examined, total } = await weighed();
      return json(200, previewRules(examined, current, draft.value, now, total));
    },
    /**
     * Publishing starts a job that wakes every contact the rules can move (a `rules_changed` event,
     * as a schedule publish does), so each is weighed again at once under the new version, as the
     * preview showed.
     */
    'PUT /v1/rules': async (event) => {
      const ifMatch = ifMatchVersion(event, 'rules');
      if (!ifMatch.ok) return ifMatch.response;
      const expected = ifMatch.version;
      const body = readBody(event, maxRulesRequestBytes);
      if (!body.ok) return body.response;
      const current = await rules.current();
      const conflict = () => versionConflict(expected, current.version);
      if (current.version !== expected) return conflict();
      const now = clock.now();
      const draft = parseRulesDraft(body.input, current, now);
      if (!draft.ok) return invalid(draft.issues);
      const caller = callerOf(event);
      if (caller) draft.value.publishedBy = publisher(caller);
      if (!(await rules.publish(draft.value, expected))) return conflict();
      const jobId = `rules-v${draft.value.version}`;
      const target = { version: String(draft.value.version) };
      const job = newJob(
        jobId,
        'rules_publish',
        target,
        { stages: [...stagesRulesMove], event: incomingEvent('rules_changed', now, target, jobId) },
        now.toISOString(),
        draft.value.publishedBy,
      );
      await startFanOutJob(jobs, job);
      logger.info('Rules published', { version: draft.value.version, jobId });
      return acceptedWithJob(draft.value, draft.value.version, job);
    },
  };
};
