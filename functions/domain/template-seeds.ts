import type { PublishedTemplate, TemplateKind } from './email-template.js';

/**
 * The templates a new deployment starts with, as version 0 of each: neutral copy a company
 * replaces with its own. They are read as data, never run as code: until a template's first
 * publish its seed is what GET answers and what is sent, so a deploy that ships a better seed
 * reaches every template nobody has edited yet, and nothing needs loading into the table.
 */
interface Seed {
  name: string;
  kind: TemplateKind;
  description: string;
  subject: string;
  preheader: string;
  /** HTML fragments of the message, with Liquid. */
  content: string[];
  /** For an email to the company's own team rather than a contact: its greeting and footer line. */
  internal?: { greeting: string; reason: string };
}

const paragraph = (html: string) => `<p style="margin:0 0 16px;line-height:1.5;">${html}</p>`;
const list = (...items: string[]) =>
  `<ul style="margin:0 0 16px;padding-left:20px;line-height:1.5;">${items.map((item) => `<li style="margin-bottom:6px;">${item}</li>`).join('')}</ul>`;
const button = (label: string, href: string) =>
  `<p style="margin:24px 0;"><a href="${href}" style="background:#1f6feb;color:#ffffff;padding:12px 20px;border-radius:6px;text-decoration:none;font-weight:600;display:inline-block;">${label}</a></p>`;

const greeting = paragraph('Hi {{ first_name | default: "there" }},');
const signature = paragraph('— The {{ sender_name }} team');
const team = '{{ company | default: "your team" }}';

/**
 * The shared frame. A marketing email's footer carries the preferences and unsubscribe links (kept
 * out of SES click tracking with `ses:no-track`: following them is not engagement) and the postal
 * address.
 */
const document = (kind: TemplateKind, content: string[], internal?: Seed['internal']) => {
  const reason = internal
    ? internal.reason
    : kind === 'marketing'
      ? 'You are receiving this email because you signed up with {{ sender_name }}. <a ses:no-track href="{{ preferences_url }}" style="color:#6b7280;">Manage preferences</a> · <a ses:no-track href="{{ unsubscribe_url }}" style="color:#6b7280;">Unsubscribe</a>'
      : 'You are receiving this email because you asked {{ sender_name }} for it.';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="max-width:600px;margin:0 auto;padding:24px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2933;font-size:16px;">
<div style="background:#ffffff;border-radius:8px;padding:32px;">
${[internal ? paragraph(internal.greeting) : greeting, ...content, signature].join('\n')}
</div>
<div style="padding:16px 8px;font-size:12px;line-height:1.5;color:#6b7280;">
<p style="margin:0 0 8px;">${reason}</p>
<p style="margin:0;">{{ postal_address }}</p>
</div>
</div>
</body>
</html>
`;
};

/**
 * A request that also said yes to marketing on a double opt-in form: the reply carries the
 * confirmation link, so one submission makes one email.
 */
const confirmBlock = `{% if confirm_url %}${paragraph('You also asked to hear from {{ sender_name }} by email. Confirm that with one click; until then we send nothing more.')}${button('Confirm my subscription', '{{ confirm_url }}')}{% endif %}`;

const seeds: Seed[] = [
  {
    name: 'welcome',
    kind: 'marketing',
    description: 'Nurture 1: welcome, and what to expect from us',
    subject: 'Welcome{% if first_name %}, {{ first_name }}{% endif %} — thanks for getting in touch',
    preheader: 'What to expect from us, and how to stop it.',
    content: [
      paragraph('Thanks for getting in touch with {{ sender_name }}.'),
      paragraph(
        `Over the next few weeks we will send a handful of practical emails: a customer story, a how-to and a checklist ${team} can use straight away. If they are not useful, one click at the bottom of any of them stops them.`,
      ),
    ],
  },
  {
    name: 'nurture-case-study',
    kind: 'marketing',
    description: 'Nurture 2: a customer story',
    subject: 'How a team like yours filled its pipeline',
    preheader: 'What changed first, and what it took.',
    content: [
      paragraph(
        `Teams like ${team} often ask what changes first when marketing automation works. Our customers tell the same story in three steps.`,
      ),
      list(
        'They stop sending one newsletter to everyone, and answer each request with what it asked for.',
        'They agree with sales what a qualified lead is, and hand it over the day it qualifies.',
        'They look at which sources bring customers, not just clicks, and spend there.',
      ),
      button('Read our customers’ stories', '{{ site_url }}/customers'),
    ],
  },
  {
    name: 'nurture-how-to',
    kind: 'marketing',
    description: 'Nurture 3: how to score leads without a data team',
    subject: 'How to score leads without a data team',
    preheader: 'Three signals, one threshold, and a weekly review.',
    content: [
      paragraph('Lead scoring sounds like a data-science project. It does not have to be. A simple version:'),
      list(
        'Score where a lead came from: organic search and referrals beat bought lists.',
        'Score what it asked for: a demo request says more than a giveaway entry.',
        'Score what it did since: clicks and replies, not opens.',
      ),
      paragraph('Pick one threshold for handing a lead to sales, and review it with sales every week.'),
      button('Read the full guide', '{{ site_url }}/guides/lead-scoring'),
    ],
  },
  {
    name: 'nurture-checklist',
    kind: 'marketing',
    description: 'Nurture 4: a five-point campaign checklist',
    subject: 'A 10-minute checklist for your next campaign',
    preheader: 'Five checks before you press send.',
    content: [
      paragraph('Before your next campaign goes out, run through these five checks:'),
      list(
        'One audience, one offer, one call to action.',
        'The landing page asks for an email and nothing it does not need.',
        'Every link carries UTM tags, so you know which channel worked.',
        'The follow-up emails are scheduled before the first one is sent.',
        'Sales knows what a qualified lead from this campaign looks like.',
      ),
      button('Get the printable checklist', '{{ site_url }}/resources/campaign-checklist'),
    ],
  },
  {
    name: 'nurture-demo-invite',
    kind: 'marketing',
    description: 'Nurture 5: invitation to a demo',
    subject: 'Want to see it on your own data?',
    preheader: 'Twenty minutes, your own funnel, no slides.',
    content: [
      paragraph(
        `If the last few emails were useful, the next step is to see how it would work for ${team}. In a 20-minute demo we walk through your own funnel: where leads come from, where they stall, and what to automate first.`,
      ),
      button('Book a 20-minute demo', '{{ site_url }}/demo'),
      paragraph('Or simply reply with a time that suits you.'),
    ],
  },
  {
    name: 'recycle-checkin',
    kind: 'marketing',
    description: 'Recycle 1: checking in after a while',
    subject: 'Checking in — has anything changed?',
    preheader: 'Priorities shift. Has yours?',
    content: [
      paragraph(
        'It has been a while since we last spoke. Priorities shift, budgets move, and the timing that was wrong a few months ago can be right today.',
      ),
      paragraph(`What is ${team} working on this quarter? A one-line reply is plenty: we read every one.`),
    ],
  },
  {
    name: 'recycle-new-content',
    kind: 'marketing',
    description: 'Recycle 2: what is new since we last spoke',
    subject: 'New since we last spoke',
    preheader: 'A report, a guide and a few product updates.',
    content: [
      paragraph(
        'A few things are new since we last spoke: new guides and reports, and improvements to the product that came from conversations like ours.',
      ),
      paragraph('One page has all of it, newest first, so you can pick what is worth your time.'),
      button('See what is new', '{{ site_url }}/whats-new'),
    ],
  },
  {
    name: 'recycle-still-interested',
    kind: 'marketing',
    description: 'Recycle 3: should we keep in touch?',
    subject: 'Should we keep in touch?',
    preheader: 'One click either way.',
    content: [
      paragraph(
        'We do not want to fill your inbox with emails you do not read. Should we keep sending you the occasional guide and customer story?',
      ),
      paragraph('If not, the unsubscribe link below stops them at once. No hard feelings.'),
    ],
  },
  {
    name: 'customer-thanks',
    kind: 'marketing',
    description: 'Customer 1: thank you, and the first week',
    subject: 'Thank you — and welcome aboard',
    preheader: 'Everything you need for your first week.',
    content: [
      paragraph('Thank you for choosing {{ sender_name }}. We are glad to have you with us.'),
      button('Open the getting-started guide', '{{ site_url }}/docs/getting-started'),
    ],
  },
  {
    name: 'customer-feedback',
    kind: 'marketing',
    description: 'Customer 2: three questions on how it is going',
    subject: 'Two minutes to tell us how we are doing?',
    preheader: 'Three questions. Your answers shape what we build next.',
    content: [
      paragraph(
        `We would like to know how it is going for ${team}. Three quick questions, two minutes at most.`,
      ),
      button('Answer 3 quick questions', '{{ site_url }}/feedback'),
    ],
  },
  {
    name: 'customer-upgrade',
    kind: 'marketing',
    description: 'Customer 3: what the next plan adds',
    subject: 'Getting more out of your plan',
    preheader: 'More tracks, more seats, priority support.',
    content: [
      paragraph(
        `As ${team} grows, a few features become worth having: more people working in the same account, more campaigns running at once, and a faster answer when you need help.`,
      ),
      paragraph('The plans page sets out what each one adds, and what it costs.'),
      button('Compare plans', '{{ site_url }}/pricing'),
    ],
  },
  {
    name: 'customer-referral',
    kind: 'marketing',
    description: 'Customer 4: refer a colleague',
    subject: 'Know a team who would benefit?',
    preheader: 'Share what works.',
    content: [
      paragraph(
        'Most of our customers found us through a colleague. If you know a team that would benefit, introduce us.',
      ),
      button('Refer a colleague', '{{ site_url }}/referrals'),
    ],
  },
  {
    name: 'confirm-subscription',
    kind: 'transactional',
    description: 'Double opt-in: the link that confirms a subscription',
    subject: 'Please confirm your subscription to {{ sender_name }}',
    preheader: 'One click, and you will start hearing from us.',
    content: [
      paragraph(
        'You asked to receive emails from {{ sender_name }}. Please confirm that this is your address:',
      ),
      button('Confirm my subscription', '{{ confirm_url }}'),
      paragraph('If you did not ask for this, ignore this email: nothing more will be sent.'),
    ],
  },
  {
    name: 'requested-content',
    kind: 'transactional',
    description: 'Answers a request for an e-book, white paper or case study with its link',
    subject: 'Your copy of {{ offer.title | default: "what you asked for" }}',
    preheader: 'The download link you asked for.',
    content: [
      paragraph(
        'Thanks for requesting {{ offer.title | default: "our content" }}. Here is your copy, to keep and share with your team.',
      ),
      button('Download {{ offer.title | default: "it" }}', '{{ offer.url }}'),
      confirmBlock,
    ],
  },
  {
    name: 'webinar-registration',
    kind: 'transactional',
    description: 'Answers a webinar or event registration with its joining details',
    subject: 'You are registered: {{ offer.title | default: "our webinar" }}',
    preheader: 'The joining details, to keep.',
    content: [
      paragraph(
        'You are registered for {{ offer.title | default: "our webinar" }}.{% if offer.starts_at %} It starts {{ offer.starts_at }}.{% endif %}',
      ),
      `{% if offer.join_url %}${button('Join the session', '{{ offer.join_url }}')}{% endif %}`,
      paragraph('Add it to your calendar now, and keep this email: the link above is how you join.'),
      confirmBlock,
    ],
  },
  {
    name: 'request-received',
    kind: 'transactional',
    description: 'Confirms a demo, consultation, pricing or trial request',
    subject: 'We have your {{ offer.label | default: "request" }} request',
    // Promises a call only when the rules hand the request to sales (`offer.sales_follow_up`).
    preheader:
      '{% if offer.sales_follow_up %}Someone from our team will be in touch to find a time that suits you.{% else %}Thanks: your request has reached us.{% endif %}',
    content: [
      paragraph(
        'Thanks for asking for {{ offer.phrase | default: "a conversation" }}.{% if offer.sales_follow_up %} Someone from our team will be in touch to find a time that suits you.{% else %} Your request has reached us.{% endif %}',
      ),
      paragraph('If you have a question in the meantime, reply to this email.'),
      confirmBlock,
    ],
  },
  {
    name: 'sales-lead-ready',
    kind: 'transactional',
    description: 'The sales handoff: tells the sales inbox that a lead is ready to talk to',
    subject:
      'Sales lead ready: {{ lead.name | default: lead.email | default: "a lead" }}{% if lead.company %} ({{ lead.company }}){% endif %}',
    preheader: 'Accept or reject it in Leadflow.',
    content: [
      paragraph(
        '{{ lead.name | default: lead.email | default: "A lead" }}{% if lead.job_title %}, {{ lead.job_title }}{% endif %}{% if lead.company %} at {{ lead.company }}{% endif %}, is ready for sales{% if lead.score %} with a score of {{ lead.score }}{% endif %}.',
      ),
      paragraph(
        '{% if lead.handoff_reason %}Handed to sales because the lead {{ lead.handoff_reason }}.{% endif %}',
      ),
      paragraph('{% if lead.reasons %}The score: {{ lead.reasons }}.{% endif %}'),
      paragraph(
        'Latest touch: came from {{ lead.channel | default: "an unknown channel" }}, by {{ lead.what | default: "a form" }}{% if lead.offer_phrase %}, for {{ lead.offer_phrase }}{% endif %}.{% if lead.email %} Address: {{ lead.email }}.{% endif %}',
      ),
      `{% if lead.url %}${button('Open the contact', '{{ lead.url }}')}{% endif %}`,
      paragraph('Accept or reject it there, so the lead is not recycled for want of an answer.'),
    ],
    internal: {
      greeting: 'Hello sales,',
      reason:
        'Sent to the sales inbox because a lead asked to talk, asked for a demo, a consultation or pricing, or reached the sales threshold.',
    },
  },
];

const seedEpoch = '1970-01-01T00:00:00.000Z';

export const seedTemplates: ReadonlyMap<string, PublishedTemplate> = new Map(
  seeds.map(({ content, internal, ...seed }) => {
    const html = document(seed.kind, content, internal);
    return [seed.name, { ...seed, version: 0, format: 'html', body: html, html, updatedAt: seedEpoch }];
  }),
);
