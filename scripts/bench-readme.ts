/**
 * `npm run bench:readme`: rewrites README.md's Performance block (between <!-- bench:start -->
 * and <!-- bench:end -->) from bench/results.json, validated against the results schema. No
 * numbers in that block are typed by hand; `npm run bench` calls the same code after a run.
 */
import { ROOT } from './browser-session';
import { readBenchResults, updateReadmeBench } from './bench-readme-lib';

const results = await readBenchResults(ROOT);
await updateReadmeBench(ROOT, results);
console.log(`README.md Performance block regenerated from bench/results.json (${results.mode} mode, ${results.date}, ${results.machine}, ${results.adapter})`);
