import { escapeHtml } from '../functions/domain/html.js';
import { offerCatalogue } from '../functions/domain/offers.js';
import { seedTemplates } from '../functions/domain/template-seeds.js';
import type { LocalRoute } from './router.js';

/** A link under the site URL in a seeded email, with its label. */
const siteLink = /href="\{\{ site_url \}\}(\/[^"?#]*)"[^>]*>([^<]*)<\/a>/g;

/**
 * The pages the built-in offers and seeded emails link to under the site URL, by path. In AWS they
 * are the company's own site; locally the site URL is the runtime, so it stands in for them.
 */
export const demoContentPages = (): Map<string, string> => {
  const pages = new Map<string, string>();
  for (const { title, link } of offerCatalogue.values()) if (link.startsWith('/')) pages.set(link, title);
  for (const template of seedTemplates.values()) {
    for (const [, path, label] of template.html.matchAll(siteLink)) {
      if (path && !pages.has(path)) pages.set(path, label ?? path);
    }
  }
  return pages;
};

const page = (path: string, title: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · Leadflow demo</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;line-height:1.5}code{background:#f3f4f6;padding:0 .2rem}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>This is where the demo's emails and offers link: a stand-in page of the local runtime. In a deployment this link opens <code>${escapeHtml(path)}</code> on your own site (the <code>leadflow:siteUrl</code> you deploy with).</p>
<p><a href="/">Back to the landing page</a></p></body></html>`;

/** A `GET` route for each demo content page, answering HTML. */
export const demoContentRoutes = (): LocalRoute[] =>
  [...demoContentPages()].map(([path, title]) => ({
    method: 'GET',
    path,
    handle: () => ({
      status: 200,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
        'content-security-policy':
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        'x-content-type-options': 'nosniff',
      },
      body: page(path, title),
    }),
  }));
