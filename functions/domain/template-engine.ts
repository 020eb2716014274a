import { convert } from 'html-to-text';
import { CaptureTag, Context, Liquid, type Template, toValueSync } from 'liquidjs';
import { escapeHtml } from './html.js';
import {
  limitMessages,
  maxHtmlBytes,
  maxLineChars,
  maxTextBytes,
  type RenderBudget,
  type RenderedField,
  renderLimits,
  TemplateLimitError,
} from './template-limits.js';

/**
 * The one place that owns the Liquid engine (liquidjs, the dialect Shopify, Customer.io and
 * Dittofeed use). Configured once and strictly: an unknown variable or filter is an error, not a
 * blank; every value printed into HTML is escaped unless the template says `| raw`; templates
 * live in an empty in-memory map and `{% include %}`, `{% render %}` and `{% layout %}` are
 * refused at parse time, so no template can reach the file system or another template. Every
 * parse and render runs under `renderLimits` (see `template-limits.ts`).
 */

/** Where a problem is: the line within the field, when the engine knows it. */
export interface TemplateIssue {
  message: string;
  line?: number;
}

const refusedTags = ['include', 'render', 'layout'] as const;

/**
 * `{% capture %}` builds its text apart from the output, where no output bound sees it: what it
 * captured is charged to the render's memory, so a loop inside a capture is bounded too.
 */
class BoundedCapture extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    yield* super.render(ctx);
    ctx.memoryLimit.use(String(ctx.bottom()[this.variable] ?? '').length);
  }
}

const strictEngine = (outputEscape: 'escape' | undefined) => {
  const engine = new Liquid({
    strictVariables: true,
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    parseLimit: renderLimits.parseChars,
    ...(outputEscape ? { outputEscape } : {}),
  });
  engine.registerTag('capture', BoundedCapture);
  for (const tag of refusedTags) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} is not available: a template cannot load other files`);
      },
      render() {},
    });
  }
  return engine;
};

/** HTML bodies: every value escaped. */
const htmlEngine = strictEngine('escape');
/** Subjects, preheaders and text bodies: plain text, where escaping would show `&amp;`. */
const textEngine = strictEngine(undefined);

/**
 * The variables a template may use, with the properties of those that are objects. Every one is
 * always present when rendering (null when unknown), so `{{ first_name | default: "there" }}`
 * works under strict variables, and a misspelt name is refused when the template is published.
 */
export const templateVariables = {
  first_name: [],
  last_name: [],
  company: [],
  job_title: [],
  /** `phrase`: the label with its article ("an e-book", "pricing"); `sales_follow_up`: "yes" when the rules hand the request to sales. */
  offer: ['type', 'id', 'label', 'phrase', 'title', 'url', 'starts_at', 'join_url', 'sales_follow_up'],
  sender_name: [],
  postal_address: [],
  site_url: [],
  unsubscribe_url: [],
  preferences_url: [],
  confirm_url: [],
  /**
   * The lead a sales handoff email is about. Such an email goes to the sales inbox, not to the
   * contact, so the recipient's own variables (first_name…, unsubscribe_url) stay null in it and
   * the lead is described here; null in every email to a contact.
   */
  lead: [
    'name',
    'email',
    'company',
    'job_title',
    'score',
    'reasons',
    /** Why it went to sales now: "asked to talk to sales", "requested a demo", "reached a score of 72 …". */
    'handoff_reason',
    'channel',
    'what',
    'offer',
    'offer_phrase',
    'url',
  ],
} as const satisfies Record<string, readonly string[]>;

export type TemplateVariableName = keyof typeof templateVariables;
type OfferProperty = (typeof templateVariables.offer)[number];
type LeadProperty = (typeof templateVariables.lead)[number];

/** What a render gets: every variable, null where nothing is known or nothing may be shown. */
export type TemplateScope = { [name in Exclude<TemplateVariableName, 'offer' | 'lead'>]: string | null } & {
  offer: { [property in OfferProperty]: string | null };
  lead: { [property in LeadProperty]: string | null };
};

const knownVariables: ReadonlyMap<string, readonly string[]> = new Map(Object.entries(templateVariables));

const lineOf = (error: unknown): number | undefined => {
  const position = (error as { token?: { getPosition?: () => [number, number] } }).token?.getPosition?.();
  return position?.[0];
};

/** liquidjs appends `, line:3, col:1` to its messages; the issue carries the line on its own. */
const messageOf = (error: unknown) =>
  (error instanceof Error ? error.message : String(error))
    .replace(/^(.*?)(, file:[^,]*)?, line:\d+, col:\d+[\s\S]*$/, '$1')
    .trim();

export type ParsedTemplate = { ok: true; template: Template[] } | { ok: false; issues: TemplateIssue[] };

/** Parses one field and checks each variable it reads against `templateVariables`. */
export const parseTemplate = (source: string, as: 'html' | 'text'): ParsedTemplate => {
  if (source.length > renderLimits.parseChars) {
    return { ok: false, issues: [{ message: `is too long: at most ${renderLimits.parseChars} characters` }] };
  }
  const engine = as === 'html' ? htmlEngine : textEngine;
  let template: Template[];
  try {
    template = engine.parse(source);
  } catch (error) {
    const line = lineOf(error);
    return { ok: false, issues: [{ message: messageOf(error), ...(line ? { line } : {}) }] };
  }
  const issues: TemplateIssue[] = [];
  for (const uses of Object.values(engine.analyzeSync(template, { partials: false }).globals)) {
    for (const variable of uses) {
      const [root, property] = variable.segments;
      const properties = typeof root === 'string' ? knownVariables.get(root) : undefined;
      const known =
        properties !== undefined &&
        (property === undefined || (typeof property === 'string' && properties.includes(property)));
      if (!known) {
        const hint =
          properties && properties.length > 0
            ? `${String(root)} has ${properties.join(', ')}`
            : `known variables are ${[...knownVariables.keys()].join(', ')}`;
        issues.push({
          message: `unknown variable ${variable.toString()} (${hint})`,
          line: variable.location.row,
        });
      }
    }
  }
  return issues.length > 0 ? { ok: false, issues } : { ok: true, template };
};

/** liquidjs's own stringify: what an output or a text run writes. */
const textOf = (value: unknown): string =>
  Array.isArray(value)
    ? value.map(textOf).join('')
    : value === null || value === undefined
      ? ''
      : String(value);

/** One field's output, which stops the render as soon as it passes `maxBytes` of UTF-8. */
class BoundedOutput {
  buffer = '';
  private bytes = 0;
  constructor(
    private readonly maxBytes: number,
    private readonly full: () => never,
  ) {}
  write(html: unknown): void {
    const text = textOf(html);
    this.bytes += Buffer.byteLength(text, 'utf8');
    if (this.bytes > this.maxBytes) this.full();
    this.buffer += text;
  }
}

type Overflow = 'body' | 'text' | 'line';

/**
 * Renders one field under the email's budget: liquidjs asks its render limiter at every node it
 * renders and its memory limiter at every allocation it counts; here both are the budget's
 * counters, and the output is bounded as it is written. Crossing any throws `TemplateLimitError`.
 */
const renderBounded = (
  source: string,
  as: 'html' | 'text',
  scope: TemplateScope,
  field: RenderedField,
  budget: RenderBudget,
  maxBytes: number,
  overflow: Overflow,
): string => {
  const parsed = parseTemplate(source, as);
  if (!parsed.ok) {
    // Published templates were checked; reaching here means stored data was altered behind the API.
    const [first] = parsed.issues;
    throw new Error(`Template does not render: ${first?.message} (line ${first?.line ?? '?'})`);
  }
  const engine = as === 'html' ? htmlEngine : textEngine;
  // liquidjs wraps what a tag throws in its own RenderError: the crossed limit is kept aside.
  let crossed: keyof typeof limitMessages | undefined;
  const stop = (limit: keyof typeof limitMessages): never => {
    crossed = limit;
    throw new TemplateLimitError(field, limitMessages[limit]);
  };
  const limiters = {
    renderLimit: {
      check: () => {
        const limit = budget.step();
        if (limit) stop(limit);
      },
      use: () => {},
    },
    memoryLimit: {
      use: (count: number) => {
        const limit = budget.allocate(count);
        if (limit) stop(limit);
      },
      check: () => {},
    },
  } as unknown as Pick<Context, 'renderLimit' | 'memoryLimit'>;
  const context = new Context(scope, engine.options, { sync: true }, { ...limiters, liquid: engine });
  const output = new BoundedOutput(maxBytes, () => stop(overflow));
  try {
    toValueSync(engine.renderer.renderTemplates(parsed.template, context, output));
  } catch (error) {
    if (crossed) throw new TemplateLimitError(field, limitMessages[crossed]);
    throw error;
  }
  return output.buffer;
};

/** A line's raw output before its whitespace is collapsed: generous, but never unbounded. */
const maxRawLineBytes = 16 * maxLineChars;

/** A subject or preheader: one line, whatever a value or the template put in it, at most `maxLineChars`. */
export const renderLine = (
  source: string,
  scope: TemplateScope,
  field: 'subject' | 'preheader',
  budget: RenderBudget,
): string => {
  const line = renderBounded(source, 'text', scope, field, budget, maxRawLineBytes, 'line')
    .replace(/[\p{Cc}\u2028\u2029\s]+/gu, ' ')
    .trim();
  if ([...line].length > maxLineChars) throw new TemplateLimitError(field, limitMessages.line);
  return line;
};

export const renderText = (source: string, scope: TemplateScope, budget: RenderBudget): string =>
  renderBounded(source, 'text', scope, 'text', budget, maxTextBytes, 'text');

export const renderHtml = (source: string, scope: TemplateScope, budget: RenderBudget): string =>
  renderBounded(source, 'html', scope, 'body', budget, maxHtmlBytes, 'body');

/**
 * The preheader (the line mail clients show after the subject) as the hidden first element of the
 * body, where clients look for it.
 */
export const withPreheader = (html: string, preheader: string): string => {
  if (!preheader) return html;
  const hidden = `<div class="preheader" style="display:none;max-height:0;overflow:hidden;mso-hide:all;">${escapeHtml(preheader)}</div>`;
  const body = /<body\b[^>]*>/i.exec(html);
  if (!body) return `${hidden}\n${html}`;
  const at = body.index + body[0].length;
  return `${html.slice(0, at)}\n${hidden}${html.slice(at)}`;
};

/** The plain-text part from the HTML, when the template has none of its own. */
export const textFromHtml = (html: string): string =>
  convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'div.preheader', format: 'skip' },
      { selector: 'title', format: 'skip' },
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  }).trim();
