import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clock } from '../adapters/clock.js';
import { logger } from '../adapters/logger.js';
import type { PreferenceStore } from '../adapters/preference-store.js';
import { deploymentSecret } from '../adapters/secrets.js';
import { hashClientAddress } from '../domain/client-address.js';
import type { Contact } from '../domain/contact.js';
import { maskEmail } from '../domain/email-address.js';
import { escapeHtml } from '../domain/html.js';
import { verifyPreferencesToken } from '../domain/link-token.js';
import {
  buyingStageLabels,
  maxPreferenceChangesPerDay,
  type PreferenceRequest,
  type PreferencesView,
  parsePreferenceRequest,
  pauseDays,
  preferenceChange,
  preferencesView,
  repeatedFormFields,
  trackDescriptions,
} from '../domain/preferences.js';
import { tracks } from '../domain/schedule.js';
import { buyingStages } from '../domain/stages.js';
import type { FieldIssue } from '../domain/validation.js';
import { page } from '../http/page.js';
import { header, readBody } from '../http/request-body.js';
import { errorResponse, type HttpResult, json } from '../http/responses.js';
import { incomingEvent, wakeJourney } from '../journey/lifecycle.js';
import {
  isUnsubscribed,
  type UnsubscribeDependencies,
  unsubscribeContact,
  unsubscribedAnswer,
} from './unsubscribe.js';

export interface PreferencesDependencies extends UnsubscribeDependencies {
  preferences: PreferenceStore;
}

const maxAttempts = 5;

/**
 * `GET /v1/preferences?t=TOKEN` shows the contact's choices with a form for each and changes
 * nothing: mail scanners fetch every link in a message. `POST` (form-encoded from the page, or
 * JSON) makes one change: a buying stage, a pause, a resume, a track off or on, or an unsubscribe.
 * Each change is saved with its consent record (where it is one) and an event that wakes the
 * journey, so it takes effect at once; asking for what is already so changes nothing.
 */
export const preferences = async (
  event: APIGatewayProxyEventV2,
  deps: PreferencesDependencies,
): Promise<HttpResult> => {
  const wantsHtml = event.headers?.accept?.includes('text/html') ?? false;
  const now = clock.now();
  const token = event.queryStringParameters?.t;
  const subject = token ? verifyPreferencesToken(token, await deploymentSecret(), now) : undefined;
  if (!token || !subject) {
    logger.info('Preferences with an invalid token', { tokenGiven: token !== undefined });
    return wantsHtml
      ? page(400, 'Link not valid', [
          'This preferences link is not valid. Check that it was copied in full, or use the link at the bottom of our latest email.',
        ])
      : errorResponse(400, 'invalid_token', 'The preferences link is invalid or incomplete', [
          { path: 't', message: token ? 'is not a valid preferences token' : 'is required' },
        ]);
  }
  if (subject.expired) {
    return wantsHtml
      ? page(410, 'Link expired', [
          'This preferences link has expired. Use the one at the bottom of our latest email; its unsubscribe link always works.',
        ])
      : errorResponse(410, 'link_expired', 'This preferences link has expired', [
          { path: 't', message: 'is past its time' },
        ]);
  }

  const { contactId } = subject;
  let contact = await deps.contacts.getContact(contactId);
  if (event.requestContext.http.method === 'GET') return choicesPage(contact, token, now);

  const body = readBody(event);
  if (!body.ok) return body.response;
  const repeated = repeatedFormFields(formFields(event));
  if (repeated.length > 0) return invalid(wantsHtml, repeated);
  const parsed = parsePreferenceRequest(body.input);
  if (!parsed.ok) return invalid(wantsHtml, parsed.issues);
  const request = parsed.value;
  if (request.action === 'unsubscribe') {
    await unsubscribeContact(
      deps,
      contactId,
      contact,
      event.requestContext.http.sourceIp,
      'preferences_page',
    );
    return unsubscribedAnswer(wantsHtml, contactId, contact);
  }

  const clientHash = hashClientAddress(event.requestContext.http.sourceIp, await deploymentSecret());
  for (let attempt = 0; contact && !isUnsubscribed(contact) && attempt < maxAttempts; attempt++) {
    const change = preferenceChange(contact, request, now);
    if (!change) return answer(wantsHtml, token, contact, now, undefined);
    const stored = incomingEvent('preferences_changed', now, change.detail);
    const saved = await deps.preferences.apply(contact, change, stored, clientHash);
    if (saved === 'over_limit') return tooManyChanges(wantsHtml, now);
    if (saved === 'saved') {
      await wakeJourney(deps.journeys, contactId, stored);
      logger.info('Preferences changed', { contactId, ...change.detail });
      const after = (await deps.contacts.getContact(contactId)) ?? contact;
      return answer(wantsHtml, token, after, now, request);
    }
    // A choice moved since it was read (a duplicate post, say): decide again.
    contact = await deps.contacts.getContact(contactId);
  }
  if (!contact) {
    return wantsHtml
      ? choicesPage(contact, token, now)
      : errorResponse(404, 'not_found', 'This address is no longer on our lists');
  }
  if (isUnsubscribed(contact)) {
    return wantsHtml
      ? choicesPage(contact, token, now)
      : errorResponse(409, 'unsubscribed', 'This address is unsubscribed; signing up again brings it back');
  }
  throw new Error(`Preferences of ${contactId} kept changing while being saved`);
};

/** A form-encoded body's fields, each as often as given (none for JSON, whose parser keeps the last). */
const formFields = (event: APIGatewayProxyEventV2): URLSearchParams => {
  const mediaType = header(event, 'content-type')?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  const raw = event.body ?? '';
  return new URLSearchParams(event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw);
};

/** The day's changes are used up: the next UTC day takes them again; unsubscribing always works. */
const tooManyChanges = (wantsHtml: boolean, now: Date): HttpResult => {
  const nextDay = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const retryAfter = { 'retry-after': String(Math.ceil((nextDay - now.getTime()) / 1000)) };
  const message = `At most ${maxPreferenceChangesPerDay} changes a day can be made here; nothing was changed. Try again tomorrow. Unsubscribing always works.`;
  if (!wantsHtml) return errorResponse(429, 'too_many_changes', message, [], retryAfter);
  const answer = page(429, 'Too many changes today', [message]);
  return { ...answer, headers: { ...answer.headers, ...retryAfter } };
};

const invalid = (wantsHtml: boolean, issues: FieldIssue[]): HttpResult =>
  wantsHtml
    ? page(400, 'That choice is not valid', [
        ...issues.map((issue) => `${issue.path}: ${issue.message}`),
        'Nothing was changed. Go back and choose again.',
      ])
    : errorResponse(400, 'validation_failed', 'The preferences request has invalid fields', issues);

const dateOf = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(iso));

/** What the contact just did, in its words. */
const saidBack = (request: PreferenceRequest, view: PreferencesView): string => {
  switch (request.action) {
    case 'buying_stage':
      return request.buyingStage === 'ready_to_talk'
        ? 'Thank you: someone from our sales team will be in touch.'
        : `Noted: ${buyingStageLabels[request.buyingStage].toLowerCase()}.`;
    case 'pause':
      return `Our marketing emails are paused until ${dateOf(view.pausedUntil ?? '')}.`;
    case 'resume':
      return 'Our marketing emails are back on.';
    case 'track':
      return `${trackDescriptions[request.track]}: ${request.send ? 'back on' : 'turned off'}.`;
    case 'unsubscribe':
      return 'You are unsubscribed.';
  }
};

/** The answer to a change, or to a request for what was so already (`request` undefined). */
const answer = (
  wantsHtml: boolean,
  token: string,
  contact: Contact,
  now: Date,
  request: PreferenceRequest | undefined,
): HttpResult => {
  const view = preferencesView(contact, now);
  if (!wantsHtml)
    return json(200, { changed: request !== undefined, preferences: view }, { 'cache-control': 'no-store' });
  const said = request ? saidBack(request, view) : 'Nothing to change: that was your choice already.';
  return page(
    200,
    request ? 'Preferences saved' : 'No change',
    [said, ...intro(contact)],
    forms(token, view),
  );
};

const intro = (contact: Contact) => [`Email preferences for ${maskEmail(contact.email)}.`];

const choicesPage = (contact: Contact | undefined, token: string, now: Date): HttpResult => {
  if (!contact) return page(200, 'Email preferences', ['This address is no longer on our lists.']);
  if (isUnsubscribed(contact)) {
    return page(200, 'Email preferences', [
      `${maskEmail(contact.email)} is unsubscribed and gets no marketing emails from us.`,
      'Changed your mind? Sign up again on any of our pages.',
    ]);
  }
  return page(200, 'Email preferences', intro(contact), forms(token, preferencesView(contact, now)));
};

/** One form per choice, each posting to the same path and token (a query-only action). */
const form = (token: string, hidden: Record<string, string>, buttons: [string, string, string][]) =>
  `<form method="post" action="?t=${escapeHtml(encodeURIComponent(token))}">` +
  Object.entries(hidden)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('') +
  buttons
    .map(
      ([name, value, label]) =>
        `<button type="submit" name="${escapeHtml(name)}" value="${escapeHtml(value)}">${escapeHtml(label)}</button>`,
    )
    .join(' ') +
  '</form>';

const section = (title: string, text: string, ...parts: string[]) =>
  `<h2>${escapeHtml(title)}</h2>\n<p>${escapeHtml(text)}</p>\n${parts.join('\n')}`;

const forms = (token: string, view: PreferencesView): string =>
  [
    section(
      'Where are you in your search?',
      view.buyingStage
        ? `Now: ${buyingStageLabels[view.buyingStage]}.`
        : 'Tell us, and we will send what helps.',
      form(
        token,
        { action: 'buying_stage' },
        buyingStages.map((stage) => ['buyingStage', stage, buyingStageLabels[stage]]),
      ),
    ),
    section(
      'Take a break',
      view.pausedUntil
        ? `Our marketing emails are paused until ${dateOf(view.pausedUntil)}.`
        : 'Pause our marketing emails for a while; they start again on their own.',
      form(
        token,
        { action: 'pause' },
        pauseDays.map((days) => ['days', String(days), `Pause for ${days} days`]),
      ),
      view.pausedUntil ? form(token, {}, [['action', 'resume', 'Resume now']]) : '',
    ),
    section(
      'What we send you',
      'Turn off any kind of email you do not want.',
      ...tracks.map(
        (track) =>
          `<p>${escapeHtml(trackDescriptions[track])}: ${view.tracks[track] ? 'on' : 'turned off'}</p>` +
          form(token, { action: 'track', track }, [
            view.tracks[track] ? ['send', 'no', 'Turn off'] : ['send', 'yes', 'Turn back on'],
          ]),
      ),
    ),
    section(
      'Unsubscribe',
      'Stop all our marketing emails.',
      form(token, {}, [['action', 'unsubscribe', 'Unsubscribe from all']]),
    ),
  ].join('\n');
