import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * Browser libraries the admin page loads, taken from node_modules (pinned in package-lock) rather
 * than copied into web/: the local router serves each file at its URL path, and the site's
 * deployment uploads it under the same key, so the CSP's `script-src 'self'` covers both.
 */
export const webVendorFiles: readonly { urlPath: string; file: string }[] = [
  // The package exports no path to its UMD build; it sits beside the CommonJS entry.
  {
    urlPath: '/vendor/chart.umd.min.js',
    file: join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  },
];
