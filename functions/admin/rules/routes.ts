import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../../adapters/clock.js';
import type { ContactRepository } from '../../adapters/contact-repository.js';
import { JourneyRepository } from '../../adapters/journey-repository.js';
import { logger } from '../../adapters/logger.js';
import type { RulesRepository } from '../../adapters/rules-repository.js';
import { stageMembers } from '../../adapters/track-members.js';
import type { Contact } from '../../domain/contact.js';
import { publisher } from '../../domain/publication.js';
import { parseRulesDraft } from '../../domain/rules-draft.js';
import { previewRules, stagesRulesMove } from '../../domain/rules-preview.js';
import { callerOf } from '../../http/caller.js';
import { readBody } from '../../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';
import { ifMatchVersion, versionConflict, withVersion } from '../../http/versioned.js';
import { wakeAll } from '../../journey/lifecycle.js';

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
  const journeys = new JourneyRepository(tableName);

  /** The contacts a change of the rules can move, as their journeys would read them. */
  const weighed = async (): Promise<Contact[]> => {
    const ids = await stageMembers(tableName, stagesRulesMove);
    const found: Contact[] = [];
    for (let i = 0; i < ids.length; i += readConcurrency) {
      const batch = await Promise.all(ids.slice(i, i + readConcurrency).map((id) => contacts.getContact(id)));
      for (const contact of batch) if (contact) found.push(contact);
    }
    return found;
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
      return json(200, previewRules(await weighed(), current, draft.value, now));
    },
    /**
     * Publishing wakes every contact the rules can move (a `rules_changed` event, as a schedule
     * publish does), so each is weighed again at once under the new version, as the preview showed.
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
      const reached = await wakeAll(
        journeys,
        await stageMembers(tableName, stagesRulesMove),
        'rules_changed',
        now,
        { version: String(draft.value.version) },
        `rules-v${draft.value.version}`,
      );
      logger.info('Rules published', { version: draft.value.version, reached });
      return withVersion(draft.value, draft.value.version);
    },
  };
};
