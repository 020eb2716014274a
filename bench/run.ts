/**
 * `npm run bench [-- section ...]`: runs the bench sections, each a `bench/<name>.ts` exporting
 * `run()`, one after the other in this process (all of them, in name order, when none is named).
 * Sections are found on disk so each adds its own file without editing this one.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Section {
  run: () => Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -'.ts'.length))
  .sort();
const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`unknown bench section(s): ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

for (const name of requested.length > 0 ? requested : available) {
  console.log(`\n== bench: ${name} ==`);
  const section = (await import(`./${name}.ts`)) as Section;
  await section.run();
}
