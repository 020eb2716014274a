import * as z from 'zod';
import type { ScoreLine } from './lead-score.js';
import { safeMergeField } from './merge-fields.js';
import { absoluteLink, offerCatalogue, offerLabels, offerPhrase } from './offers.js';
import { type Publication, publicationFields } from './publication.js';
import {
  parseTemplate,
  renderHtml,
  renderLine,
  renderText,
  type TemplateIssue,
  type TemplateScope,
  textFromHtml,
  withPreheader,
} from './template-engine.js';
import {
  limitMessages,
  maxHtmlBytes,
  maxTextBytes,
  RenderBudget,
  renderLimits,
  TemplateLimitError,
} from './template-limits.js';
import { type FieldIssue, type Parsed, parseWith } from './validation.js';

/**
 * An email template is data a marketer edits and publishes like a schedule: Liquid in the subject,
 * preheader and body (HTML, or MJML compiled to HTML at publish), an optional text body (derived
 * from the HTML when absent), and a kind. A marketing template must carry the unsubscribe link and
 * the postal address (CAN-SPAM); a transactional one answers something the contact asked for.
 */
export const templateKinds = ['marketing', 'transactional'] as const;
export type TemplateKind = (typeof templateKinds)[number];
export const bodyFormats = ['html', 'mjml'] as const;
export type BodyFormat = (typeof bodyFormats)[number];

/** What GET answers and PUT takes. */
export interface EmailTemplate extends Publication {
  name: string;
  version: number;
  kind: TemplateKind;
  description: string;
  subject: string;
  preheader: string;
  format: BodyFormat;
  /** As the marketer wrote it: HTML, or MJML. */
  body: string;
  /** The plain-text part; derived from the HTML at send time when absent. */
  text?: string;
  updatedAt: string;
}

/** As stored: with the HTML the body compiled to at publish (the body itself when it is HTML). */
export interface PublishedTemplate extends EmailTemplate {
  html: string;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** A validation issue that may know its line within the field. */
/** MJML source to HTML, or what is wrong with it. */
export type MjmlCompiler = (source: string) => Promise<{ html: string } | { issues: TemplateIssue[] }>;

export interface TemplateFieldIssue extends FieldIssue {
  line?: number;
}

export const templateNamePattern = /^[a-z0-9][a-z0-9-]{0,59}$/;

const oneLine = (value: string) => !/[\p{Cc}\u2028\u2029]/u.test(value);
const lineText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine(oneLine, 'must be one line: no line breaks or control characters');

const draftSchema = z.strictObject({
  // Read-only: what GET answered may come back; see `readOnlyIssues`.
  name: z.string().optional(),
  version: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  ...publicationFields,
  kind: z.enum(templateKinds, `must be one of ${templateKinds.join(', ')}`),
  description: lineText(300).default(''),
  subject: lineText(200).refine((value) => value.trim() !== '', 'must not be empty'),
  preheader: lineText(200).default(''),
  format: z.enum(bodyFormats, `must be one of ${bodyFormats.join(', ')}`).default('html'),
  body: z
    .string()
    .min(1, 'must not be empty')
    .max(2 * maxHtmlBytes, 'is too long'),
  text: z.string().max(maxTextBytes, 'is too long').nullish(),
});

type Draft = z.infer<typeof draftSchema>;

const atLine = (path: string, issue: TemplateIssue): TemplateFieldIssue =>
  issue.line
    ? { path, message: `line ${issue.line}: ${issue.message}`, line: issue.line }
    : { path, message: issue.message };

/** Read-only fields are ignored when they agree with the template and refused when they contradict it. */
const readOnlyIssues = (draft: Draft, name: string, current: PublishedTemplate | undefined) => {
  const issues: TemplateFieldIssue[] = [];
  if (draft.name !== undefined && draft.name !== name) {
    issues.push({ path: 'name', message: `is ${name} for this template; it cannot be renamed` });
  }
  const newest = current?.version ?? 0;
  // An older version's number is expected: rolling back is a PUT of that version's content.
  const version = draft.version;
  if (
    version !== undefined &&
    !(Number.isInteger(version) && Number(version) >= 0 && Number(version) <= newest)
  ) {
    issues.push({ path: 'version', message: `must be a version of this template, 0 to ${newest}` });
  }
  if (current && draft.kind !== current.kind) {
    issues.push({
      path: 'kind',
      message: `is ${current.kind} for this template; create a new template to change the kind`,
    });
  }
  return issues;
};

const footerVariables = ['unsubscribe_url', 'postal_address'] as const;
const spaced = (value: string) => value.replace(/\s+/g, ' ');

/**
 * The CAN-SPAM footer as a recipient would see it: the unsubscribe link and the postal address in
 * the rendered email, not merely written somewhere in its source, where a Liquid comment, an
 * `{% if %}` or an HTML comment could keep them from showing.
 */
const footerIssues = (email: RenderedEmail, scope: TemplateScope, hasText: boolean) => {
  const parts: [string, string][] = [['body', textFromHtml(email.html)]];
  if (hasText) parts.push(['text', email.text]);
  const issues: TemplateFieldIssue[] = [];
  for (const [path, seen] of parts) {
    for (const required of footerVariables) {
      const value = scope[required];
      if (value && !spaced(seen).includes(spaced(value))) {
        issues.push({
          path,
          message: `a marketing email must show {{ ${required} }} to every recipient (CAN-SPAM): add it to the footer, outside any condition or comment`,
        });
      }
    }
  }
  return issues;
};

/**
 * Validates a draft of template `name` and turns it into its next version: every Liquid field
 * parsed, every variable known, MJML compiled, the size and the CAN-SPAM footer checked, and a
 * render for a sample contact tried. Issues name the field and, where it has one, the line.
 * The MJML compiler is passed in (`compileMjml` from `mjml-compiler.ts`) so that only the functions
 * that publish templates bundle MJML, not every function that renders one.
 */
export const parseTemplateDraft = async (
  input: unknown,
  name: string,
  current: PublishedTemplate | undefined,
  now: Date,
  compileMjml: MjmlCompiler,
): Promise<Parsed<PublishedTemplate>> => {
  const parsed = parseWith(draftSchema, input);
  if (!parsed.ok) return parsed;
  const draft = parsed.value;
  const issues: TemplateFieldIssue[] = readOnlyIssues(draft, name, current);
  const text = draft.text ?? undefined;
  const fields: [string, string, 'html' | 'text'][] = [
    ['subject', draft.subject, 'text'],
    ['preheader', draft.preheader, 'text'],
    ['body', draft.body, 'html'],
    ...(text === undefined ? [] : [['text', text, 'text'] as [string, string, 'text']]),
  ];
  for (const [path, source, as] of fields) {
    const result = parseTemplate(source, as);
    if (!result.ok) issues.push(...result.issues.map((issue) => atLine(path, issue)));
  }
  if (issues.length > 0) return { ok: false, issues };

  let html = draft.body;
  if (draft.format === 'mjml') {
    const compiled = await compileMjml(draft.body);
    if ('issues' in compiled)
      return { ok: false, issues: compiled.issues.map((issue) => atLine('body', issue)) };
    html = compiled.html;
    // Compiled HTML past the parse limit is far past the size limit, which names it below.
    if (!parseTemplate(html, 'html').ok && html.length <= renderLimits.parseChars) {
      return {
        ok: false,
        issues: [
          {
            path: 'body',
            message: 'MJML moved a Liquid tag out of place; put logic inside mj-text or mj-raw',
          },
        ],
      };
    }
  }
  const bytes = Buffer.byteLength(html, 'utf8');
  if (bytes > maxHtmlBytes) {
    issues.push({
      path: 'body',
      message: `is ${Math.ceil(bytes / 1024)} KB of HTML; Gmail clips messages past 102 KB, keep it under 100 KB`,
    });
  }
  const template: PublishedTemplate = {
    name,
    version: (current?.version ?? 0) + 1,
    kind: draft.kind,
    description: draft.description.trim(),
    subject: draft.subject.trim(),
    preheader: draft.preheader.trim(),
    format: draft.format,
    body: draft.body,
    ...(text === undefined ? {} : { text }),
    updatedAt: now.toISOString(),
    ...(draft.note ? { note: draft.note } : {}),
    html,
  };
  if (issues.length === 0) {
    try {
      // A contact we know everything about, then one we know nothing about: every branch a
      // footer might hide in is taken by one of them.
      for (const scope of [sampleScope(sampleSettings), strangerScope]) {
        const email = renderTemplate(template, scope);
        if (template.kind === 'marketing') issues.push(...footerIssues(email, scope, text !== undefined));
        if (issues.length > 0) break;
      }
    } catch (error) {
      issues.push(
        error instanceof TemplateLimitError
          ? { path: error.field, message: error.reason }
          : { path: 'body', message: error instanceof Error ? error.message : String(error) },
      );
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: template };
};

/** The representation GET answers: the compiled HTML stays behind (preview shows what it renders to). */
export const templateView = ({ html: _compiled, ...template }: PublishedTemplate): EmailTemplate => template;

/**
 * Renders a published template under `renderLimits`, or throws `TemplateLimitError`: an email
 * that would be clipped, or whose render would hold the function, is not sent. `subject`, when
 * given, is a schedule's override of the template's subject, written in the same Liquid.
 */
export const renderTemplate = (
  template: PublishedTemplate,
  scope: TemplateScope,
  subject?: string,
  budget = new RenderBudget(),
): RenderedEmail => {
  const html = withPreheader(
    renderHtml(template.html, scope, budget),
    renderLine(template.preheader, scope, 'preheader', budget),
  );
  // The preheader comes on top of the body: the whole HTML part is what Gmail measures.
  if (Buffer.byteLength(html, 'utf8') > maxHtmlBytes)
    throw new TemplateLimitError('body', limitMessages.body);
  return {
    subject: renderLine(subject ?? template.subject, scope, 'subject', budget),
    html,
    text: template.text === undefined ? textFromHtml(html) : renderText(template.text, scope, budget).trim(),
  };
};

/** What a render knows about the company sending. */
export interface SenderSettings {
  senderName: string;
  postalAddress: string;
  siteUrl: string;
}

export interface ScopeInput {
  /** As the contact typed it: each value goes through `safeMergeField`. */
  contact?: {
    firstName?: string | undefined;
    lastName?: string | undefined;
    company?: string | undefined;
    jobTitle?: string | undefined;
  };
  offer?: { type: string; id?: string | undefined } | undefined;
  /** The rules hand this request to sales: a reply may say that someone will be in touch. */
  salesFollowUp?: boolean | undefined;
  /** The lead a sales handoff email is about (its recipient is the sales inbox). */
  lead?: LeadInput | undefined;
  settings: SenderSettings;
  /** Links the system signed for this recipient. */
  links: { unsubscribe?: string; preferences?: string; confirm?: string };
}

/** A lead as the handoff email describes it: what the contact typed goes through `safeMergeField`. */
export interface LeadInput {
  firstName?: string | undefined;
  lastName?: string | undefined;
  company?: string | undefined;
  jobTitle?: string | undefined;
  /** The address intake validated: sales needs it to answer, and it is shown to sales only. */
  email: string;
  score: number;
  /** The score's causes, as the contact page lists them. */
  reasons?: readonly ScoreLine[] | undefined;
  /** Why it went to sales now, as the stage history says it. */
  handoffReason?: string | undefined;
  /** Where, what and why of the latest touch. */
  channel: string;
  what: string;
  offerType?: string | undefined;
  /** The contact's page in the admin page. */
  url: string;
}

const merge = (value: string | undefined) => safeMergeField(value) ?? null;

const leadScope = (lead: LeadInput | undefined): TemplateScope['lead'] => {
  const name = [merge(lead?.firstName), merge(lead?.lastName)].filter(Boolean).join(' ');
  return {
    name: name === '' ? null : name,
    email: lead?.email ?? null,
    company: merge(lead?.company),
    job_title: merge(lead?.jobTitle),
    score: lead ? String(lead.score) : null,
    // Labels carry what pages sent (utm values): each passes the merge-field checks on its own.
    reasons: lead?.reasons?.length
      ? lead.reasons
          .map((line) => {
            const points = `${line.points >= 0 ? '+' : ''}${line.points}`;
            const label = merge(line.label);
            return label ? `${line.cause}: ${label} ${points}` : `${line.cause} ${points}`;
          })
          .join(' · ')
      : null,
    handoff_reason: merge(lead?.handoffReason),
    channel: merge(lead?.channel),
    what: merge(lead?.what),
    offer: (lead?.offerType && offerLabels.get(lead.offerType)) ?? merge(lead?.offerType),
    offer_phrase: lead?.offerType ? merge(offerPhrase(lead.offerType)) : null,
    url: lead?.url ?? null,
  };
};

/** The variables of one render: every one present, null where unknown or unfit to show. */
export const templateScope = ({
  contact,
  offer,
  salesFollowUp,
  lead,
  settings,
  links,
}: ScopeInput): TemplateScope => {
  const entry = offer?.id ? offerCatalogue.get(offer.id) : undefined;
  const link = entry ? absoluteLink(entry.link, settings.siteUrl) : null;
  const isSession = offer?.type === 'webinar' || offer?.type === 'event';
  return {
    first_name: merge(contact?.firstName),
    last_name: merge(contact?.lastName),
    company: merge(contact?.company),
    job_title: merge(contact?.jobTitle),
    offer: {
      type: merge(offer?.type),
      id: merge(offer?.id),
      label: (offer && offerLabels.get(offer.type)) ?? null,
      phrase: offer ? merge(offerPhrase(offer.type)) : null,
      title: entry?.title ?? null,
      url: link,
      starts_at: entry?.startsAt ?? null,
      join_url: isSession ? link : null,
      sales_follow_up: salesFollowUp ? 'yes' : null,
    },
    sender_name: settings.senderName,
    postal_address: settings.postalAddress,
    site_url: settings.siteUrl.replace(/\/$/, ''),
    unsubscribe_url: links.unsubscribe ?? null,
    preferences_url: links.preferences ?? null,
    confirm_url: links.confirm ?? null,
    lead: leadScope(lead),
  };
};

const sampleSettings: SenderSettings = {
  senderName: 'Example',
  postalAddress: 'Example Inc., 1 Main Street, Springfield',
  siteUrl: 'https://www.example.com',
};

/** Links that act on nobody. */
const sampleLinks = (settings: SenderSettings): ScopeInput['links'] => {
  const site = settings.siteUrl.replace(/\/$/, '');
  return {
    unsubscribe: `${site}/v1/unsubscribe?t=sample`,
    preferences: `${site}/v1/preferences?t=sample`,
    confirm: `${site}/v1/confirm?t=sample`,
  };
};

/** The contact a preview shows when it is given none: every variable filled, so every branch shows text. */
export const sampleScope = (settings: SenderSettings): TemplateScope =>
  templateScope({
    contact: { firstName: 'Alex', lastName: 'Sample', company: 'Example Co', jobTitle: 'Marketing lead' },
    offer: { type: 'ebook', id: offerCatalogue.keys().next().value },
    salesFollowUp: true,
    lead: {
      firstName: 'Alex',
      lastName: 'Sample',
      company: 'Example Co',
      jobTitle: 'Marketing lead',
      email: 'alex.sample@example.com',
      score: 72,
      handoffReason: 'reached a score of 72 (sales threshold 70)',
      reasons: [
        { cause: 'where', label: 'organic_search (google)', points: 10 },
        { cause: 'why', label: 'white_paper', points: 10 },
        { cause: 'why', label: 'demo', points: 30 },
        { cause: 'engagement', label: 'clicked a link in an email ×2', points: 20 },
        { cause: 'engagement', label: 'came back with another form ×1', points: 5 },
        { cause: 'decay', label: 'engagement halves every 90 days', points: -3 },
      ],
      channel: 'organic_search',
      what: 'form',
      offerType: 'demo',
      url: `${settings.siteUrl.replace(/\/$/, '')}/admin#contact/sample`,
    },
    settings,
    links: sampleLinks(settings),
  });

/** A contact that told us nothing but its address, and asked for nothing. */
const strangerScope = templateScope({ settings: sampleSettings, links: sampleLinks(sampleSettings) });

/**
 * Issues of a Liquid subject written in a schedule step, for the schedule's own validation: it
 * parses, and renders within the limits for the sample contact and the stranger, as a template's
 * own subject must.
 */
export const subjectIssues = (subject: string, path: string): TemplateFieldIssue[] => {
  const parsed = parseTemplate(subject, 'text');
  if (!parsed.ok) return parsed.issues.map((issue) => atLine(path, issue));
  try {
    for (const scope of [sampleScope(sampleSettings), strangerScope]) {
      renderLine(subject, scope, 'subject', new RenderBudget());
    }
  } catch (error) {
    if (!(error instanceof TemplateLimitError)) throw error;
    return [{ path, message: error.reason }];
  }
  return [];
};
