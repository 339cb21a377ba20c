/**
 * How the vocabulary cross-entropy block splits its rows (pure, so the page's memory estimate
 * can use it without tfjs): logit elements per chunk, 4 MiB of float32 — a few chunks for
 * GPT-2's 50k vocabulary at 8 × 256.
 */
const CHUNK_ELEMENTS = 1 << 20;

export function chunkRows(rows: number, vocab: number): number {
  return Math.max(1, Math.min(rows, Math.floor(CHUNK_ELEMENTS / vocab)));
}
