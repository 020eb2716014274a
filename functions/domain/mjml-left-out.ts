/**
 * Stands in (`esbuild --alias`, see `lib/constructs/leadflow-function.ts`) for the parts of MJML
 * and its CSS inliner that `compileMjml` never reaches: the HTML minifier (htmlnano with cssnano
 * and PostCSS) and the beautifier (js-beautify), used only with `minify` or `beautify`, and juice's
 * fetcher of linked resources (web-resource-inliner), used only by `juiceResources`. 865 KB of
 * the templates function together. Reaching one is a bug: it says so rather than doing nothing.
 */
const leftOut = (name: string) => () => {
  throw new Error(`${name} is left out of this bundle: compile MJML without minify or beautify`);
};

export const html = leftOut('html (js-beautify, web-resource-inliner)');
export default { process: leftOut('htmlnano') };
