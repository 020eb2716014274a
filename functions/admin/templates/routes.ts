import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { clock } from '../../adapters/clock.js';
import { ContactRepository } from '../../adapters/contact-repository.js';
import { logger } from '../../adapters/logger.js';
import { sampleVariables, sendTestEmail, variablesFor } from '../../adapters/mailer.js';
import { TemplateRepository } from '../../adapters/template-repository.js';
import { maskEmail } from '../../domain/email-address.js';
import {
  type PublishedTemplate,
  parseTemplateDraft,
  renderTemplate,
  templateNamePattern,
  templateView,
} from '../../domain/email-template.js';
import { publisher } from '../../domain/publication.js';
import type { TemplateScope } from '../../domain/template-engine.js';
import { parseWith } from '../../domain/validation.js';
import { callerOf } from '../../http/caller.js';
import { readBody } from '../../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../../http/responses.js';
import { ifMatchVersion, versionConflict, withVersion } from '../../http/versioned.js';

type Route = (event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** A template body may be up to 100 KB of HTML, with its text part and MJML source beside it. */
const maxTemplateRequestBytes = 512 * 1024;

/** What preview and test take besides the draft: whose data to render with, and where a test goes. */
const previewSchema = z.object({
  draft: z.record(z.string(), z.unknown()).optional(),
  contactId: z.string().min(1).max(100).optional(),
});
const testSchema = previewSchema.extend({
  to: z.email('must be an email address').max(254),
});

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

  /**
   * The template to render (the stored one, or the draft validated as its next version) and the
   * variables to render it with (the contact's, as its real send would have them, or a sample's).
   * Reads only.
   */
  const rendering = async (
    name: string,
    current: PublishedTemplate | undefined,
    input: z.infer<typeof previewSchema>,
    forTest: boolean,
  ): Promise<
    { ok: true; template: PublishedTemplate; scope: TemplateScope } | { ok: false; response: HttpResult }
  > => {
    let template = current;
    if (input.draft) {
      const draft = await parseTemplateDraft(input.draft, name, current, clock.now());
      if (!draft.ok) return { ok: false, response: invalid(draft.issues) };
      template = draft.value;
    }
    // A template not yet published can be previewed and tested from its draft alone.
    if (!template) return { ok: false, response: errorResponse(404, 'not_found', `No template ${name}`) };
    if (!input.contactId) return { ok: true, template, scope: sampleVariables() };
    const contact = await contacts.getContact(input.contactId);
    if (!contact) {
      return {
        ok: false,
        response: errorResponse(404, 'not_found', `No contact ${input.contactId}`, [
          { path: 'contactId', message: 'is not a contact' },
        ]),
      };
    }
    const scope = await variablesFor({ ...contact, to: contact.email, offer: contact.latestTouch.why.offer });
    // A test goes to someone else: its links must not act on the contact whose data it shows.
    const links = forTest ? sampleVariables() : scope;
    return {
      ok: true,
      template,
      scope: {
        ...scope,
        unsubscribe_url: links.unsubscribe_url,
        preferences_url: links.preferences_url,
        confirm_url: links.confirm_url,
      },
    };
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
      const draft = await parseTemplateDraft(body.input, name, current, clock.now());
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
      const input = parseWith(previewSchema, body.input);
      if (!input.ok) return invalid(input.issues);
      const result = await rendering(name, await templates.current(name), input.value, false);
      if (!result.ok) return result.response;
      return json(200, {
        version: result.template.version,
        ...renderTemplate(result.template, result.scope),
      });
    }),
    'POST /v1/templates/{name}/test': withName(async (name, event) => {
      const body = readBody(event, maxTemplateRequestBytes);
      if (!body.ok) return body.response;
      const input = parseWith(testSchema, body.input);
      if (!input.ok) return invalid(input.issues);
      const result = await rendering(name, await templates.current(name), input.value, true);
      if (!result.ok) return result.response;
      const messageId = await sendTestEmail(
        input.value.to,
        renderTemplate(result.template, result.scope),
        name,
      );
      logger.info('Template test sent', { name, to: maskEmail(input.value.to) });
      return json(202, { messageId });
    }),
  };
};
