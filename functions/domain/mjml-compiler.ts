import mjml2html from 'mjml';
import type { MjmlCompiler } from './email-template.js';
import type { TemplateIssue } from './template-engine.js';

/**
 * The one module that imports MJML (1.2 MB bundled, with its CSS inliner; 2 MB before its minifier
 * and beautifier were left out): only the template routes, which publish and preview drafts,
 * import it, so no other function bundles it.
 */

const mjmlIssues = (error: unknown): TemplateIssue[] => {
  const found = (error as { errors?: { line?: number; message?: string }[] }).errors;
  if (Array.isArray(found) && found.length > 0) {
    return found.map((item) => ({
      message: `MJML: ${item.message ?? 'invalid'}`,
      ...(item.line ? { line: item.line } : {}),
    }));
  }
  return [{ message: `MJML: ${error instanceof Error ? error.message : String(error)}` }];
};

/** MJML to HTML, refusing `mj-include`: a template can only use what it contains. */
export const compileMjml: MjmlCompiler = async (source) => {
  const include = source.split('\n').findIndex((line) => /<mj-include\b/i.test(line));
  if (include >= 0) return { issues: [{ message: 'MJML: mj-include is not available', line: include + 1 }] };
  try {
    const result = await mjml2html(source, {
      validationLevel: 'strict',
      ignoreIncludes: true,
      // Said outright, over any .mjmlconfig: the bundle leaves the minifier and beautifier out.
      minify: false,
      beautify: false,
    });
    return { html: result.html };
  } catch (error) {
    return { issues: mjmlIssues(error) };
  }
};
