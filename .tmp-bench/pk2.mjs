import { build } from 'esbuild';
const [e] = process.argv.slice(2);
const r = await build({ entryPoints: [e], bundle: true, platform: 'node', target: 'node24', format: 'esm', minify: true, mainFields: ['module','main'], metafile: true, write: true, outfile: '/tmp/pb/m-slim.mjs', alias: { cheerio: 'cheerio/slim' },
 banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
const out = Object.values(r.metafile.outputs).find(o=>o.entryPoint);
const byPkg = new Map();
for (const [file, info] of Object.entries(out.inputs)) {
  const m = file.match(/.*node_modules\/((?:@[^/]+\/)?[^/]+)/);
  const k = m ? m[1] : file.split('/').slice(0,2).join('/');
  byPkg.set(k, (byPkg.get(k) ?? 0) + info.bytesInOutput);
}
console.log(e, (out.bytes/1024).toFixed(0), 'KB');
console.log([...byPkg].sort((a,b)=>b[1]-a[1]).slice(0,25).map(([k,v])=>`  ${k} ${(v/1024).toFixed(0)}`).join('\n'));
