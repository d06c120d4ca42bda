// `make bench-footprint` (Node part): the time to load the gouvconnect addon (require of the
// package: JS wrapper + the .node shared library) in a fresh process, and the RSS it adds; the
// same for `jose` for scale. Median of repeated fresh processes ("cold-ish": file caches warm).
//
// Usage: node footprint.mjs <dir holding node_modules/jose>
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RUNS = 15;
const here = path.dirname(fileURLToPath(import.meta.url));
const pkg = path.resolve(here, '..');
const joseEntry = pathToFileURL(path.join(process.argv[2], 'node_modules/jose/dist/webapi/index.js')).href;

const probes = {
  gouvconnect: `const r0 = process.memoryUsage.rss(); const t = process.hrtime.bigint();
    require(${JSON.stringify(pkg)});
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    console.log(ms, (process.memoryUsage.rss() - r0) / 2 ** 20, process.memoryUsage.rss() / 2 ** 20);`,
  jose: `const r0 = process.memoryUsage.rss(); const t = process.hrtime.bigint();
    import(${JSON.stringify(joseEntry)}).then(() => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      console.log(ms, (process.memoryUsage.rss() - r0) / 2 ** 20, process.memoryUsage.rss() / 2 ** 20);
    });`,
};

const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
console.log(`Node ${process.version}: load time in a fresh process, median of ${RUNS}`);
console.log(`${'module'.padEnd(14)} ${'load ms'.padStart(9)} ${'spread ms'.padStart(14)} ${'RSS +MiB'.padStart(9)} ${'RSS MiB'.padStart(8)}`);
for (const [name, code] of Object.entries(probes)) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) {
    runs.push(execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' }).trim().split(/\s+/).map(Number));
  }
  const ms = runs.map((r) => r[0]);
  const spread = `${Math.min(...ms).toFixed(2)}–${Math.max(...ms).toFixed(2)}`;
  const [m, grow, rss] = [median(ms), median(runs.map((r) => r[1])), median(runs.map((r) => r[2]))];
  console.log(`${name.padEnd(14)} ${m.toFixed(2).padStart(9)} ${spread.padStart(14)} ${grow.toFixed(1).padStart(9)} ${rss.toFixed(1).padStart(8)}`);
  if (name === 'gouvconnect') console.log(`BENCH node load_ms=${m.toFixed(2)} rss_growth_mib=${grow.toFixed(1)} rss_mib=${rss.toFixed(1)}`);
}
for (const f of fs.readdirSync(pkg).filter((f) => f.endsWith('.node'))) {
  console.log(`addon ${f}: ${(fs.statSync(path.join(pkg, f)).size / 2 ** 20).toFixed(1)} MiB`);
}
