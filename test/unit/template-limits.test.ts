import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PublishedTemplate,
  renderTemplate,
  sampleScope,
} from '../../functions/domain/email-template.js';
import { parseTemplate } from '../../functions/domain/template-engine.js';
import {
  maxHtmlBytes,
  maxLineChars,
  maxTextBytes,
  RenderBudget,
  renderLimits,
  TemplateLimitError,
} from '../../functions/domain/template-limits.js';

const scope = sampleScope({
  senderName: 'Example',
  postalAddress: 'Example Inc., 1 Main Street, Springfield',
  siteUrl: 'https://www.example.com',
});

/** Liquid as anyone might write it: text, values, filters that grow text, and loops inside loops. */
const liquid: fc.Arbitrary<string> = fc.letrec<{ part: string; parts: string }>((tie) => ({
  part: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('Hello ', '<p>x</p>', ' ', '&', '\n', 'é'.repeat(40)),
    fc.constantFrom('first_name', 'postal_address', 'site_url', 'offer.title').map((name) => `{{ ${name} }}`),
    fc
      .tuple(fc.constantFrom('postal_address', 'site_url'), fc.integer({ min: 0, max: 400 }))
      .map(([name, width]) => `{{ ${name} | append: "${'y'.repeat(width)}" }}`),
    fc
      .tuple(fc.integer({ min: 1, max: 5000 }), tie('parts'))
      .map(([high, body]) => `{% for i in (1..${high}) %}${body}{% endfor %}`),
    fc.tuple(tie('parts')).map(([body]) => `{% capture c %}${body}{% endcapture %}{{ c }}{{ c }}`),
    fc.tuple(tie('parts')).map(([body]) => `{% if first_name %}${body}{% else %}-{% endif %}`),
  ),
  parts: fc.array(tie('part'), { maxLength: 4 }).map((parts) => parts.join('')),
})).parts;

const templateOf = (html: string, subject: string, text?: string): PublishedTemplate => ({
  name: 'any',
  version: 1,
  kind: 'marketing',
  description: '',
  subject,
  preheader: '',
  format: 'html',
  body: html,
  html,
  ...(text === undefined ? {} : { text }),
  updatedAt: '2026-01-01T00:00:00.000Z',
});

/** A clock that never moves: only the counted limits can stop a render. */
const stillClock = () => 0;

describe('render limits', () => {
  it('no template, however written, renders past the size limits or the counted limits', () => {
    fc.assert(
      fc.property(liquid, liquid, fc.option(liquid, { nil: undefined }), (html, subject, text) => {
        fc.pre(parseTemplate(html, 'html').ok && parseTemplate(subject, 'text').ok);
        let steps = 0;
        const budget = new RenderBudget(stillClock);
        const step = budget.step.bind(budget);
        budget.step = () => {
          steps++;
          return step();
        };
        try {
          const email = renderTemplate(templateOf(html, subject, text), scope, undefined, budget);
          expect(Buffer.byteLength(email.html, 'utf8')).toBeLessThanOrEqual(maxHtmlBytes);
          expect([...email.subject].length).toBeLessThanOrEqual(maxLineChars);
          expect(Buffer.byteLength(email.text, 'utf8')).toBeLessThanOrEqual(maxTextBytes);
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateLimitError);
        }
        // Nothing renders a node past the limit: the one that crosses it is where it stops.
        expect(steps).toBeLessThanOrEqual(renderLimits.steps + 1);
      }),
      { numRuns: 100 },
    );
  });

  it('stops a render whose clock runs past the time limit, whatever it was doing', () => {
    // Prepare: a clock that moves 10 ms at every read, so the deadline passes within the loop.
    let now = 0;
    const budget = new RenderBudget(() => (now += 10));
    const loop = '{% for i in (1..3000) %}{% if i == 0 %}x{% endif %}{% endfor %}';

    // Act
    const render = () => renderTemplate(templateOf(loop, 'Hi'), scope, undefined, budget);

    // Assess
    expect(render).toThrow(TemplateLimitError);
    expect(render).toThrow(/takes longer than/);
  });

  it('refuses the issue’s 72-character nested loop by count, before any clock would', () => {
    const loop = '{% for a in (1..2000) %}{% for b in (1..2000) %}{% endfor %}{% endfor %}';
    expect(() =>
      renderTemplate(templateOf(loop, 'Hi'), scope, undefined, new RenderBudget(stillClock)),
    ).toThrow(/does too much work/);
  });
});
