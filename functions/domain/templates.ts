/**
 * The marketing emails, as pure functions of a small context: each renders to a subject, an
 * HTML part and a plain-text part. Every email ends with the unsubscribe link and the sender's
 * postal address (CAN-SPAM), so no schedule can produce a message without them. Whatever comes
 * from a contact (names, company) is escaped before it reaches the HTML.
 */
export const templateIds = [
  'welcome',
  'nurture-case-study',
  'nurture-how-to',
  'nurture-checklist',
  'nurture-demo-invite',
  'recycle-checkin',
  'recycle-new-content',
  'recycle-still-interested',
  'customer-thanks',
  'customer-feedback',
  'customer-upgrade',
  'customer-referral',
] as const;

export type TemplateId = (typeof templateIds)[number];

export const isTemplateId = (value: string): value is TemplateId =>
  (templateIds as readonly string[]).includes(value);

export interface EmailContext {
  firstName?: string | undefined;
  company?: string | undefined;
  /** The offer the contact asked for (the touch's "why"). */
  offer?: { type: string; id?: string | undefined } | undefined;
  /** The schedule's subject for this step, when marketing overrode the default. */
  subject?: string | undefined;
  /** Absolute http(s) URL of the one-click unsubscribe endpoint, token included. */
  unsubscribeUrl: string;
  postalAddress: string;
  senderName: string;
  /**
   * The company's website: calls to action link to pages under it. Without it the emails still
   * read well, they only lose their buttons.
   */
  siteUrl?: string | undefined;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

export const defaultSubjects: Record<TemplateId, string> = {
  welcome: 'Welcome — thanks for getting in touch',
  'nurture-case-study': 'How Northwind Logistics filled its pipeline in 90 days',
  'nurture-how-to': 'How to score leads without a data team',
  'nurture-checklist': 'A 10-minute checklist for your next campaign',
  'nurture-demo-invite': 'Want to see it on your own data?',
  'recycle-checkin': 'Checking in — has anything changed?',
  'recycle-new-content': 'New since we last spoke',
  'recycle-still-interested': 'Should we keep in touch?',
  'customer-thanks': 'Thank you — and welcome aboard',
  'customer-feedback': 'Two minutes to tell us how we are doing?',
  'customer-upgrade': 'Getting more out of your plan',
  'customer-referral': 'Know a team who would benefit?',
};

/**
 * Gated content the landing pages offer, by offer id: the welcome email delivers it. Links are
 * paths under the site URL (or absolute). Edit this list when a new asset goes live; an offer
 * missing here still gets a sensible welcome, worded by its type.
 */
export const offerCatalogue: Record<string, { title: string; link: string }> = {
  'pipeline-report-2027': { title: 'The 2027 Pipeline Report', link: '/resources/2027-pipeline-report' },
  'email-benchmarks': { title: 'B2B Email Benchmarks', link: '/resources/b2b-email-benchmarks' },
  'northwind-case-study': {
    title: 'How Northwind Logistics Grew Pipeline 38%',
    link: '/customers/northwind',
  },
};

const offerLabels: Record<string, string> = {
  white_paper: 'white paper',
  ebook: 'e-book',
  case_study: 'case study',
  webinar: 'webinar',
  event: 'event',
  demo: 'demo',
  trial: 'trial',
  pricing: 'pricing',
  consultation: 'consultation',
  newsletter: 'newsletter',
};

type Block =
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'cta'; label: string; link: string };

interface Personal {
  greeting: string;
  teamName: string;
  senderName: string;
  offer: EmailContext['offer'];
  siteUrl: string | undefined;
}

interface Template {
  /** Shown by mail clients after the subject; hidden in the body. */
  preheader: string;
  subject?: (personal: Personal) => string | undefined;
  body: (personal: Personal) => Block[];
}

const p = (text: string): Block => ({ kind: 'p', text });
const list = (...items: string[]): Block => ({ kind: 'list', items });
const cta = (label: string, link: string): Block => ({ kind: 'cta', label, link });

/** The catalogued asset the contact asked for, with its link when one can be formed. */
const requestedAsset = ({ offer, siteUrl }: Personal) => {
  // Own entries only: the offer id came from a public form (`constructor` is no asset).
  const known = offer?.id && Object.hasOwn(offerCatalogue, offer.id) ? offerCatalogue[offer.id] : undefined;
  return known ? { title: known.title, link: absoluteLink(known.link, siteUrl) } : undefined;
};

/** The welcome email's opening, worded by what was asked for. */
const welcomeBlocks = (personal: Personal): Block[] => {
  const { offer, senderName, teamName } = personal;
  const known = requestedAsset(personal);
  const link = known?.link;
  if (known && link) {
    return [
      p(
        `Thanks for requesting ${known.title}. Here is your copy: it is yours to keep and to share with your team.`,
      ),
      cta(`Download ${known.title}`, link),
    ];
  }
  const label = offer && Object.hasOwn(offerLabels, offer.type) ? offerLabels[offer.type] : undefined;
  const what = known?.title ?? (label ? `our ${label}` : undefined);
  switch (offer?.type) {
    case 'webinar':
    case 'event':
      return [
        p(`You are registered for ${what} — thank you. We will send the joining details the day before.`),
      ];
    case 'demo':
    case 'consultation':
      return [
        p(
          `Thanks for asking for ${what ?? 'a demo'}. Someone from our team will be in touch within one ` +
            'business day to find a time that suits you.',
        ),
      ];
    case 'trial':
      return [p('Your trial request is in. We will email you the moment your workspace is ready.')];
    case 'pricing':
      return [p(`Thanks for asking about pricing. We will send a quote tailored to ${teamName} shortly.`)];
    case 'newsletter':
      return [
        p(`You are subscribed to the ${senderName} newsletter: one practical email a month, never more.`),
      ];
    default:
      return what
        ? [
            p(
              `Thanks for requesting ${what}. If the download did not start, reply to this email and we will send it.`,
            ),
          ]
        : [p(`Thanks for getting in touch with ${senderName}.`)];
  }
};

const templates: Record<TemplateId, Template> = {
  welcome: {
    preheader: 'What you asked for, and what to expect from us.',
    subject: (personal) => {
      const known = requestedAsset(personal);
      return known?.link ? `Your copy of ${known.title}` : undefined;
    },
    body: (personal) => [
      ...welcomeBlocks(personal),
      p(
        'Over the next few weeks we will send a handful of practical emails: a customer story, a how-to ' +
          `and a checklist ${personal.teamName} can use straight away. If they are not useful, one click at ` +
          'the bottom of any of them stops them.',
      ),
    ],
  },
  'nurture-case-study': {
    preheader: '38% more qualified leads in a quarter, with the team they already had.',
    body: ({ teamName }) => [
      p(
        `Teams like ${teamName} often ask what changes first when marketing automation works. Here is ` +
          'how Northwind Logistics answered it.',
      ),
      p(
        'Their four-person marketing team was answering every download by hand. They moved follow-up to ' +
          'timed nurture emails, let engagement decide who sales calls, and within 90 days had 38% more ' +
          'qualified leads — with no extra headcount.',
      ),
      cta('Read the Northwind story', '/customers/northwind'),
    ],
  },
  'nurture-how-to': {
    preheader: 'Three signals, one threshold, and a weekly review.',
    body: ({ teamName }) => [
      p('Lead scoring sounds like a data-science project. It does not have to be. A simple version:'),
      list(
        'Score where a lead came from: organic search and referrals beat bought lists.',
        'Score what it asked for: a demo request says more than a giveaway entry.',
        'Score what it did since: clicks and replies, not opens.',
      ),
      p(
        `Pick one threshold for handing a lead to sales, and review it with sales every week. ${capitalise(teamName)} ` +
          'will learn more from that conversation than from any model.',
      ),
      cta('Read the full guide', '/guides/lead-scoring'),
    ],
  },
  'nurture-checklist': {
    preheader: 'Five checks before you press send.',
    body: () => [
      p('Before your next campaign goes out, run through these five checks:'),
      list(
        'One audience, one offer, one call to action.',
        'The landing page asks for an email and nothing it does not need.',
        'Every link carries UTM tags, so you know which channel worked.',
        'The follow-up emails are scheduled before the first one is sent.',
        'Sales knows what a qualified lead from this campaign looks like.',
      ),
      cta('Get the printable checklist', '/resources/campaign-checklist'),
    ],
  },
  'nurture-demo-invite': {
    preheader: 'Twenty minutes, your own funnel, no slides.',
    body: ({ teamName }) => [
      p(
        `If the last few emails were useful, the next step is to see how it would work for ${teamName}. ` +
          'In a 20-minute demo we walk through your own funnel: where leads come from, where they stall, ' +
          'and what to automate first.',
      ),
      cta('Book a 20-minute demo', '/demo'),
      p('Or simply reply with a time that suits you.'),
    ],
  },
  'recycle-checkin': {
    preheader: 'Priorities shift. Has yours?',
    body: ({ teamName }) => [
      p(
        'It has been a while since we last spoke. Priorities shift, budgets move, and the timing that ' +
          'was wrong a few months ago can be right today.',
      ),
      p(`What is ${teamName} working on this quarter? A one-line reply is plenty: we read every one.`),
      cta('Tell us what you are working on', '/contact'),
    ],
  },
  'recycle-new-content': {
    preheader: 'A report, a guide and a few product updates.',
    body: () => [
      p('A few things are new since we last spoke:'),
      list(
        'The 2027 Pipeline Report: what 400 B2B teams changed in their funnel this year.',
        'A step-by-step guide to scoring leads without a data team.',
        'Schedules marketers can edit without waiting for a release.',
      ),
      cta('See what is new', '/whats-new'),
    ],
  },
  'recycle-still-interested': {
    preheader: 'One click either way.',
    body: () => [
      p(
        'We do not want to fill your inbox with emails you do not read. Should we keep sending you the ' +
          'occasional guide and customer story?',
      ),
      cta('Yes, keep me posted', '/keep-in-touch'),
      p('If not, the unsubscribe link below stops them at once. No hard feelings.'),
    ],
  },
  'customer-thanks': {
    preheader: 'Everything you need for your first week.',
    body: ({ senderName }) => [
      p(`Thank you for choosing ${senderName}. We are glad to have you with us.`),
      p('Three things help most in the first week:'),
      list(
        'Connect your landing pages, so every lead arrives with its source.',
        'Review the nurture schedule and make the subjects your own.',
        'Agree the sales threshold with your sales team.',
      ),
      cta('Open the getting-started guide', '/docs/getting-started'),
    ],
  },
  'customer-feedback': {
    preheader: 'Three questions. Your answers shape what we build next.',
    body: ({ teamName }) => [
      p(
        `You have been using us for a while now, and we would like to know how it is going for ${teamName}. ` +
          'Three quick questions, two minutes at most.',
      ),
      cta('Answer 3 quick questions', '/feedback'),
      p('Prefer to talk? Reply to this email and we will find a time.'),
    ],
  },
  'customer-upgrade': {
    preheader: 'More tracks, more seats, priority support.',
    body: ({ teamName }) => [
      p(`As ${teamName} grows, a few features become worth having:`),
      list(
        'More email tracks, for each product line or region.',
        'Seats for sales, so hand-offs happen in one place.',
        'Priority support with a named contact.',
      ),
      cta('Compare plans', '/pricing'),
    ],
  },
  'customer-referral': {
    preheader: 'Share what works, and both of you get a month on us.',
    body: () => [
      p(
        'Most of our customers found us through a colleague. If you know a team that would benefit, ' +
          'introduce us: when they join, you both get a month free.',
      ),
      cta('Refer a colleague', '/referrals'),
    ],
  },
};

export const renderEmail = (templateId: TemplateId, context: EmailContext): RenderedEmail => {
  const template = templates[templateId];
  const firstName = cleanName(context.firstName);
  const company = cleanName(context.company);
  const senderName = cleanName(context.senderName) ?? 'Our team';
  const personal: Personal = {
    greeting: firstName ? `Hi ${firstName},` : 'Hi there,',
    teamName: company ?? 'your team',
    senderName,
    offer: context.offer,
    siteUrl: context.siteUrl,
  };
  const subject = oneLine(
    cleanName(context.subject) ?? template.subject?.(personal) ?? defaultSubjects[templateId],
  );
  const unsubscribeUrl = httpUrl(context.unsubscribeUrl, 'unsubscribeUrl');
  const blocks = [
    p(personal.greeting),
    ...template.body(personal).flatMap((block): Block[] => {
      if (block.kind !== 'cta') return [block];
      const link = absoluteLink(block.link, context.siteUrl);
      return link ? [{ ...block, link }] : [];
    }),
    p(`— The ${senderName} team`),
  ];
  const footer = {
    reason: `You are receiving this email because you signed up with ${senderName}.`,
    unsubscribeUrl,
    postalAddress: context.postalAddress.trim(),
  };
  return {
    subject,
    html: renderHtml(subject, template.preheader, blocks, footer),
    text: renderText(blocks, footer),
  };
};

interface Footer {
  reason: string;
  unsubscribeUrl: string;
  postalAddress: string;
}

const font = 'font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;';

const blockHtml = (block: Block): string => {
  if (block.kind === 'p') return `<p style="margin:0 0 16px;line-height:1.5;">${escapeHtml(block.text)}</p>`;
  if (block.kind === 'list') {
    const items = block.items.map((item) => `<li style="margin-bottom:6px;">${escapeHtml(item)}</li>`);
    return `<ul style="margin:0 0 16px;padding-left:20px;line-height:1.5;">${items.join('')}</ul>`;
  }
  return (
    `<p style="margin:24px 0;"><a href="${escapeHtml(block.link)}" style="background:#1f6feb;color:#ffffff;` +
    'padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600;display:inline-block;">' +
    `${escapeHtml(block.label)}</a></p>`
  );
};

const blockText = (block: Block): string => {
  if (block.kind === 'p') return block.text;
  if (block.kind === 'list') return block.items.map((item) => `- ${item}`).join('\n');
  return `${block.label}: ${block.link}`;
};

const renderHtml = (subject: string, preheader: string, blocks: Block[], footer: Footer): string => {
  const address = footer.postalAddress.split(/\r?\n/).map(escapeHtml).join('<br>');
  // `ses:no-track` keeps SES click tracking off the unsubscribe link: following it is not engagement.
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${escapeHtml(preheader)}</div>
<div style="max-width:600px;margin:0 auto;padding:24px;${font}color:#1f2933;font-size:16px;">
<div style="background:#ffffff;border-radius:8px;padding:32px;">
${blocks.map(blockHtml).join('\n')}
</div>
<div style="padding:16px 8px;font-size:12px;line-height:1.5;color:#6b7280;">
<p style="margin:0 0 8px;">${escapeHtml(footer.reason)} <a ses:no-track href="${escapeHtml(footer.unsubscribeUrl)}" style="color:#6b7280;">Unsubscribe</a></p>
<p style="margin:0;">${address}</p>
</div>
</div>
</body>
</html>
`;
};

const renderText = (blocks: Block[], footer: Footer): string =>
  `${blocks.map(blockText).join('\n\n')}\n\n--\n${footer.reason}\nUnsubscribe: ${footer.unsubscribeUrl}\n\n${footer.postalAddress}\n`;

export const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A name as it may appear in a greeting or subject: one line, trimmed, blank meaning absent. */
const cleanName = (value: string | undefined): string | undefined => {
  const cleaned = value?.replace(/[\p{Cc}\s]+/gu, ' ').trim();
  return cleaned ? cleaned.slice(0, 200) : undefined;
};

const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

const capitalise = (value: string) => value.charAt(0).toUpperCase() + value.slice(1);

/** Only http(s) links are ever rendered: a misconfigured URL fails loudly instead of going out. */
const httpUrl = (value: string, name: string): string => {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new Error(`${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  return url.href;
};

const absoluteLink = (link: string, siteUrl: string | undefined): string | undefined => {
  if (/^https?:\/\//i.test(link)) return httpUrl(link, 'link');
  if (!siteUrl) return undefined;
  // Relative to the site's own path, so a site under https://example.com/en/ keeps its prefix.
  const base = httpUrl(siteUrl, 'siteUrl');
  return new URL(link.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`).href;
};
