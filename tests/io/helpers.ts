/** Builds safetensors bytes by hand (not with writeSafetensors), so tests check the reader independently. */
export function handBuiltFile(header: unknown, data: Uint8Array, opts: { headerLength?: number; pad?: boolean } = {}): Uint8Array {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  let headerBytes = new TextEncoder().encode(text);
  if (opts.pad) {
    const padded = new Uint8Array(Math.ceil(headerBytes.length / 8) * 8).fill(0x20);
    padded.set(headerBytes);
    headerBytes = padded;
  }
  const out = new Uint8Array(8 + headerBytes.length + data.length);
  const length = opts.headerLength ?? headerBytes.length;
  // u64 little-endian, written byte by byte.
  let rest = length;
  for (let i = 0; i < 8; i++) {
    out[i] = rest % 256;
    rest = Math.floor(rest / 256);
  }
  out.set(headerBytes, 8);
  out.set(data, 8 + headerBytes.length);
  return out;
}

/** Little-endian bytes from 16-bit words. */
export function u16le(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    out[2 * i] = w & 0xff;
    out[2 * i + 1] = (w >>> 8) & 0xff;
  });
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
