// The dashboard's download: every file of apps/web/dist with its size and gzip size (level 9, as
// a server or proxy compresses it), and the total for the first page (index.html, the entry
// script, what it preloads, the stylesheet) apart from the pages loaded when first opened.
//
//   npm run build && node bench/web-bundle.js
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = join(import.meta.dirname, '..', 'apps', 'web', 'dist');
const index = join(dist, 'index.html');
if (!existsSync(index)) throw new Error(`${index} is missing: run npm run build`);
const html = readFileSync(index, 'utf8');
const firstPage = new Set(['index.html', ...[...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1])]);

const rows = ['index.html', ...readdirSync(join(dist, 'assets')).map((f) => `assets/${f}`)].map((file) => {
  const bytes = readFileSync(join(dist, file));
  return { file, first: firstPage.has(file), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
rows.sort((a, b) => Number(b.first) - Number(a.first) || b.gzip - a.gzip);
const kb = (n) => (n / 1024).toFixed(1);
const line = (cells) =>
  `| ${cells[0].padEnd(36)} | ${cells[1].padEnd(10)} | ${cells[2].padStart(8)} | ${cells[3].padStart(8)} |`;
console.log(line(['file', 'loaded', 'KiB', 'gzip KiB']));
console.log(`| ${'-'.repeat(36)} | ${'-'.repeat(10)} | ${'-'.repeat(7)}: | ${'-'.repeat(7)}: |`);
for (const r of rows) console.log(line([r.file, r.first ? 'first page' : 'on demand', kb(r.raw), kb(r.gzip)]));
/** @param {typeof rows} list @param {'raw' | 'gzip'} key */
const sum = (list, key) => list.reduce((n, r) => n + r[key], 0);
const first = rows.filter((r) => r.first);
const firstJs = first.filter((r) => r.file.endsWith('.js'));
console.log(line(['**first page, all files**', '', kb(sum(first, 'raw')), kb(sum(first, 'gzip'))]));
console.log(line(['**first page, JavaScript**', '', kb(sum(firstJs, 'raw')), kb(sum(firstJs, 'gzip'))]));
console.log(line(['**everything**', '', kb(sum(rows, 'raw')), kb(sum(rows, 'gzip'))]));
