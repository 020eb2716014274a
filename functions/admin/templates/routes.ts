import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { clock } from '../../adapters/clock.js';
import { ContactRepository } from '../../adapters/contact-repository.js';
import { logger } from '../../adapters/logger.js';
import { sampleVariables, sendTestEmail, variablesFor } from '../../adapters/mailer.js';
import { SubmissionCounter } from '../../adapters/submission-counter.js';
import { TemplateRepository } from '../../adapters/template-repository.js';
import { maskEmail, normaliseEmail } from '../../domain/email-address.js';
import {
  type PublishedTemplate,
  parseTemplateDraft,
  renderTemplate,
  templateNamePattern,
  templateView,
} from '../../domain/email-template.js';
import { isOverLimit, rateWindow } from '../../domain/intake-rate.js';
import { compileMjml } from '../../domain/mjml-compiler.js';
import { publisher } from '../../domain/publication.js';
import type { TemplateScope } from '../../domain/template-engine.js';
import { TemplateLimitError } from '../../domain/template-limits.js';
import {
  mayReceiveTestSend,
  parseStaffDomains,
  testRecipientRule,
  testSendsPerHour,
  testSendWindowMs,
} from '../../domain/test-send.js';
import { parseWith } from '../../domain/validation.js';
import { callerOf } from '../../http/caller.js';
import { readBody } from '../../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';
import { ifMatchVersion, versionConflict, withVersion } from '../../http/versioned.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** A template body may be up to 100 KB of HTML, with its text part and MJML source beside it. */
const maxTemplateRequestBytes = 512 * 1024;

/** Whose data a preview or test renders with: a contact by id, or by address (marketing cannot list contacts). */
const contactFields = {
  contactId: z.string().min(1).max(100).optional(),
  contactEmail: z.email('must be an email address').max(254).optional(),
};
/** A test send's recipient. */
const toField = { to: z.email('must be an email address').max(254) };
/**
 * What preview and test take: the draft under `draft`, or at the top level beside the request's own
 * fields (as the schedule and rules previews take theirs). Strict: an unknown key is refused, never
 * dropped, so a body of the wrong shape cannot preview the stored version instead of its draft.
 */
const previewSchema = z.strictObject({
  draft: z.record(z.string(), z.unknown()).optional(),
  ...contactFields,
});
const testSchema = previewSchema.extend(toField);
type PreviewInput = z.infer<typeof previewSchema>;

/**
 * Splits a preview or test body into the request's fields and a draft written at the top level:
 * every key that is not one of `requestKeys` belongs to the draft, whose own strict schema then
 * refuses what no template has. Beside a `draft`, every other key is refused.
 */
const draftAtTopLevel = (
  input: unknown,
  requestKeys: readonly string[],
): { ok: true; input: unknown } | { ok: false; issues: { path: string; message: string }[] } => {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: true, input };
  const request: Record<string, unknown> = Object.create(null);
  const draft: Record<string, unknown> = Object.create(null);
  for (const [key, value] of Object.entries(input)) {
    if (key === 'draft' || requestKeys.includes(key)) request[key] = value;
    else draft[key] = value;
  }
  if (Object.keys(draft).length === 0) return { ok: true, input: request };
  if (request.draft !== undefined) {
    return {
      ok: false,
      issues: Object.keys(draft).map((key) => ({
        path: key,
        message: 'is not a known field: the draft is under draft (or give it all at the top level)',
      })),
    };
  }
  return { ok: true, input: { ...request, draft: { ...draft } } };
};

/** Reads a preview or test body of either shape with `schema`. */
const parseRequest = <T>(schema: z.ZodType<T>, input: unknown, requestKeys: readonly string[]) => {
  const split = draftAtTopLevel(input, requestKeys);
  return split.ok ? parseWith(schema, split.input) : split;
};
const previewKeys = Object.keys(contactFields);
const testKeys = [...previewKeys, ...Object.keys(toField)];

const invalid = (issues: { path: string; message: string }[]) =>
  errorResponse(400, 'validation_failed', 'The template has invalid fields', issues);

/**
 * `GET /v1/templates`, `GET|PUT /v1/templates/{name}`, `GET /v1/templates/{name}/versions`,
 * `POST /v1/templates/{name}/preview` and `/test`: templates edited like schedules (If-Match,
 * versions, roll back by PUT of an older version), previewed and test-sent before they publish.
 */
export const templateRoutes = (tableName: string): Record<string, Route> => {
  const templates = new TemplateRepository(tableName);
  const contacts = new ContactRepository(tableName);
  const testSends = new SubmissionCounter(tableName);
  const staffDomains = parseStaffDomains(process.env.TEST_SEND_DOMAINS);

  const withName =
    (route: (name: string, event: APIGatewayProxyEventV2) => Promise<HttpResult>): Route =>
    async (event) => {
      const name = event.pathParameters?.name ?? '';
      if (!templateNamePattern.test(name)) {
        return errorResponse(
          400,
          'validation_failed',
          'A template name is lower-case letters, digits and dashes',
          [{ path: 'name', message: 'must be lower-case letters, digits and dashes, at most 60' }],
        );
      }
      return route(name, event);
    };

  const existing = (
    route: (template: PublishedTemplate, event: APIGatewayProxyEventV2) => Promise<HttpResult>,
  ): Route =>
    withName(async (name, event) => {
      const template = await templates.current(name);
      if (!template) return errorResponse(404, 'not_found', `No template ${name}`);
      return route(template, event);
    });

  /** The contact a preview names, by id or by address; a 404 names the field it came from. */
  const namedContact = async (input: PreviewInput) => {
    if (input.contactId && input.contactEmail) {
      return {
        ok: false as const,
        response: invalid([{ path: 'contactEmail', message: 'give contactId or contactEmail, not both' }]),
      };
    }
    const field = input.contactEmail ? 'contactEmail' : 'contactId';
    const contactId = input.contactEmail
      ? await contacts.contactIdForEmail(normaliseEmail(input.contactEmail))
      : input.contactId;
    const contact = contactId ? await contacts.getContact(contactId) : undefined;
    if (!contact) {
      const named = input.contactEmail ? 'No contact has this address' : `No contact ${input.contactId}`;
      return {
        ok: false as const,
        response: errorResponse(404, 'not_found', named, [{ path: field, message: 'is not a contact' }]),
      };
    }
    return { ok: true as const, contact };
  };

  /**
   * The template to render (the stored one, or the draft validated as its next version) and the
   * variables to render it with (the contact's, as its real send would have them, or a sample's).
   * Its links always act on nobody: whoever previews or tests is not the contact, and a real
   * preferences or unsubscribe link would let them act as it. Reads only.
   */
  const rendering = async (
    name: string,
    current: PublishedTemplate | undefined,
    input: PreviewInput,
  ): Promise<
    { ok: true; template: PublishedTemplate; scope: TemplateScope } | { ok: false; response: HttpResult }
  > => {
    let template = current;
    if (input.draft) {
      const draft = await parseTemplateDraft(input.draft, name, current, clock.now(), compileMjml);
      if (!draft.ok) return { ok: false, response: invalid(draft.issues) };
      template = draft.value;
    }
    // A template not yet published can be previewed and tested from its draft alone.
    if (!template) return { ok: false, response: errorResponse(404, 'not_found', `No template ${name}`) };
    const sample = sampleVariables();
    if (!input.contactId && !input.contactEmail) return { ok: true, template, scope: sample };
    const found = await namedContact(input);
    if (!found.ok) return found;
    const { contact } = found;
    const scope = await variablesFor({ ...contact, to: contact.email, offer: contact.latestTouch.why.offer });
    return {
      ok: true,
      template,
      scope: {
        ...scope,
        unsubscribe_url: sample.unsubscribe_url,
        preferences_url: sample.preferences_url,
        confirm_url: sample.confirm_url,
      },
    };
  };

  /** The email as it would render, or a 400 naming the field a render limit stopped. */
  const rendered = (template: PublishedTemplate, scope: TemplateScope) => {
    try {
      return { ok: true as const, email: renderTemplate(template, scope) };
    } catch (error) {
      if (!(error instanceof TemplateLimitError)) throw error;
      return { ok: false as const, response: invalid([{ path: error.field, message: error.reason }]) };
    }
  };

  return {
    'GET /v1/templates': async () => json(200, { templates: await templates.list() }),
    'GET /v1/templates/{name}': existing(async (template) =>
      withVersion(templateView(template), template.version),
    ),
    'GET /v1/templates/{name}/versions': existing(async (template) =>
      json(200, { versions: (await templates.versions(template.name)).map(templateView) }),
    ),
    'PUT /v1/templates/{name}': withName(async (name, event) => {
      const ifMatch = ifMatchVersion(event, 'template');
      if (!ifMatch.ok) return ifMatch.response;
      const current = await templates.current(name);
      // A new template is created with If-Match: 0 (no version yet).
      if ((current?.version ?? 0) !== ifMatch.version)
        return versionConflict(ifMatch.version, current?.version ?? 0);
      const body = readBody(event, maxTemplateRequestBytes);
      if (!body.ok) return body.response;
      const draft = await parseTemplateDraft(body.input, name, current, clock.now(), compileMjml);
      if (!draft.ok) return invalid(draft.issues);
      const caller = callerOf(event);
      if (caller) draft.value.publishedBy = publisher(caller);
      if (!(await templates.publish(draft.value, ifMatch.version))) {
        return versionConflict(ifMatch.version, (await templates.current(name))?.version ?? 0);
      }
      logger.info('Template published', { name, version: draft.value.version });
      return withVersion(templateView(draft.value), draft.value.version);
    }),
    'POST /v1/templates/{name}/preview': withName(async (name, event) => {
      const body = readBody(event, maxTemplateRequestBytes);
      if (!body.ok) return body.response;
      const input = parseRequest(previewSchema, body.input, previewKeys);
      if (!input.ok) return invalid(input.issues);
      const result = await rendering(name, await templates.current(name), input.value);
      if (!result.ok) return result.response;
      const email = rendered(result.template, result.scope);
      if (!email.ok) return email.response;
      return json(200, { version: result.template.version, ...email.email });
    }),
    'POST /v1/templates/{name}/test': withName(async (name, event) => {
      const body = readBody(event, maxTemplateRequestBytes);
      if (!body.ok) return body.response;
      const input = parseRequest(testSchema, body.input, testKeys);
      if (!input.ok) return invalid(input.issues);
      const caller = callerOf(event);
      if (!mayReceiveTestSend(input.value.to, caller?.email, staffDomains)) {
        return errorResponse(403, 'recipient_not_allowed', 'A test send goes to you or to your colleagues', [
          { path: 'to', message: testRecipientRule(caller?.email, staffDomains) },
        ]);
      }
      const result = await rendering(name, await templates.current(name), input.value);
      if (!result.ok) return result.response;
      const email = rendered(result.template, result.scope);
      if (!email.ok) return email.response;
      // Counted last, once everything else holds: a refused request spends none of the hour.
      const window = rateWindow(clock.now(), testSendWindowMs);
      const count = await testSends.add(`test-send#${caller?.sub ?? 'anonymous'}`, window);
      if (isOverLimit(count, testSendsPerHour)) {
        return errorResponse(
          429,
          'rate_limited',
          `At most ${testSendsPerHour} test sends an hour; try again in ${Math.ceil(window.retryAfterSeconds / 60)} minutes`,
          [],
          { 'retry-after': String(window.retryAfterSeconds) },
        );
      }
      const messageId = await sendTestEmail(input.value.to, email.email, name);
      logger.info('Template test sent', { name, to: maskEmail(input.value.to) });
      return json(202, { messageId });
    }),
  };
};
