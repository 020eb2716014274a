import { build } from 'esbuild';
const entries = process.argv.slice(2);
for (const e of entries) {
  const r = await build({ entryPoints: [e], bundle: true, platform: 'node', target: 'node24', format: 'esm', minify: true, mainFields: ['module','main'], metafile: true, write: false, outfile: '/tmp/pb/out.mjs',
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } });
  const out = Object.values(r.metafile.outputs)[0];
  const byPkg = new Map();
  for (const [file, info] of Object.entries(out.inputs)) {
    const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
    const k = m ? m[1] : file.split('/').slice(0,2).join('/');
    byPkg.set(k, (byPkg.get(k) ?? 0) + info.bytesInOutput);
  }
  console.log(e, (out.bytes/1024).toFixed(0), 'KB');
  console.log([...byPkg].sort((a,b)=>b[1]-a[1]).slice(0,18).map(([k,v])=>`  ${k} ${(v/1024).toFixed(0)}`).join('\n'));
}
