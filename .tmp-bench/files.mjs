import { build } from 'esbuild';
const [e, filter] = process.argv.slice(2);
const r = await build({ entryPoints: [e], bundle: true, platform: 'node', target: 'node24', format: 'esm', minify: true, mainFields: ['module','main'], metafile: true, write: false, outfile: '/tmp/pb/out.mjs' });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).filter(([f]) => f.includes(filter)).sort((a,b)=>b[1].bytesInOutput-a[1].bytesInOutput).slice(0,15);
for (const [f,i] of rows) console.log((i.bytesInOutput/1024).toFixed(1), f);
console.log(await (await import('esbuild')).analyzeMetafile(r.metafile, {verbose:true}).then(s=>s.split('\n').filter(l=>l.includes(filter)).slice(0,0).join('\n')));
