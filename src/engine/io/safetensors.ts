/**
 * The safetensors format (https://github.com/huggingface/safetensors), read and written without
 * any framework: bytes in, plain typed arrays out. Runs in a page, a Web Worker and Node.
 *
 * Layout: 8-byte little-endian u64 header length N, N bytes of UTF-8 JSON
 * `{"__metadata__": {..}, name: {dtype, shape, data_offsets: [begin, end]}, ...}`, then the data
 * section; offsets are relative to the data section, which starts at file offset 8 + N.
 *
 * A checkpoint is untrusted input (a link can point anywhere), so the reader validates the whole
 * header before decoding anything and throws a `SafetensorsError` naming the tensor and byte
 * offsets; it never returns a partial result.
 */

export type SafetensorsDtype =
  | 'F64'
  | 'F32'
  | 'F16'
  | 'BF16'
  | 'I64'
  | 'I32'
  | 'I16'
  | 'I8'
  | 'U64'
  | 'U32'
  | 'U16'
  | 'U8'
  | 'BOOL';

/** The dtypes `writeSafetensors` produces (what tfjs tensors can hold, plus half floats). */
export type WritableSafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';

/**
 * A decoded tensor in host memory. `dtype` is the dtype stored in the file; floats
 * (F64/F32/F16/BF16) are decoded to Float32Array, integers and BOOL to Int32Array.
 */
export interface HostTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** One header entry, validated but not decoded. Offsets are relative to the data section. */
export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  entries: SafetensorsEntry[];
  metadata: Record<string, string>;
  /** File offset of the data section (8 + header length). */
  dataStart: number;
}

export interface SafetensorsWriteEntry {
  name: string;
  dtype: WritableSafetensorsDtype;
  shape: number[];
  /** Float32Array for F32/F16/BF16, Int32Array for I32/I64. */
  data: Float32Array | Int32Array;
}

export class SafetensorsError extends Error {
  /** The tensor the problem is in, when there is one. */
  readonly tensor?: string;
  /** Absolute file offset of the offending bytes, when known. */
  readonly byteOffset?: number;

  constructor(message: string, where: { tensor?: string; byteOffset?: number } = {}) {
    super(message);
    this.name = 'SafetensorsError';
    if (where.tensor !== undefined) this.tensor = where.tensor;
    if (where.byteOffset !== undefined) this.byteOffset = where.byteOffset;
  }
}

/** Same limit as HF's Rust reader: a larger header is almost certainly a corrupt length. */
const MAX_HEADER_BYTES = 100_000_000;
const METADATA_KEY = '__metadata__';
const ENTRY_FIELDS = new Set(['dtype', 'shape', 'data_offsets']);

const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/**
 * Position of each writable dtype in HF's Rust `Dtype` enum (declared in increasing alignment
 * order). The writer sorts by this, descending, then by name — exactly HF's `prepare()` — so a
 * file we write is laid out like one HF writes from the same tensors.
 */
const HF_DTYPE_RANK: Record<WritableSafetensorsDtype, number> = {
  F16: 0,
  BF16: 1,
  I32: 2,
  F32: 3,
  I64: 4,
};

function isKnownDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Typed-array views are host-endian; safetensors is little-endian. Decide the fast path once. */
const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// ---------------------------------------------------------------------------------------------
// Half-precision conversions
// ---------------------------------------------------------------------------------------------

const f32Scratch = new Float32Array(1);
const u32Scratch = new Uint32Array(f32Scratch.buffer);

/** IEEE 754 binary16 bits → number (exact; subnormals, ±0, ±Inf and NaN included). */
export function f16BitsToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** number → binary16 bits, rounding to nearest, ties to even (overflow → ±Inf, NaN kept quiet). */
export function floatToF16Bits(value: number): number {
  f32Scratch[0] = value; // first round to f32, as torch does for f32 → f16
  const x = u32Scratch[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent32 = (x >>> 23) & 0xff;
  const mantissa32 = x & 0x7fffff;
  if (exponent32 === 0xff) {
    return mantissa32 === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa32 >>> 13);
  }
  const exponent16 = exponent32 - 127 + 15;
  if (exponent16 >= 0x1f) return sign | 0x7c00;
  if (exponent16 <= 0) {
    // Result is subnormal (or zero): shift the full 24-bit significand into the 10-bit field.
    if (exponent16 < -10) return sign; // below half the smallest subnormal
    const significand = mantissa32 | 0x800000;
    const shift = 14 - exponent16;
    return sign | roundShiftRightEven(significand, shift);
  }
  // Normal: a carry out of the mantissa correctly bumps the exponent (and may reach Inf).
  return sign | roundShiftRightEven((exponent16 << 23) | mantissa32, 13);
}

/** value >> shift, rounded to nearest with ties to even. shift in [1, 30]. */
function roundShiftRightEven(value: number, shift: number): number {
  const kept = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return remainder > half || (remainder === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/** bfloat16 bits → number: bf16 is the top half of an f32, so this is exact. */
export function bf16BitsToFloat(bits: number): number {
  u32Scratch[0] = (bits & 0xffff) << 16;
  return f32Scratch[0];
}

/** number → bfloat16 bits, rounding to nearest, ties to even (NaN kept quiet). */
export function floatToBf16Bits(value: number): number {
  f32Scratch[0] = value;
  const x = u32Scratch[0];
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return (x >>> 16) | 0x40;
  // Max non-NaN x plus the bias stays below 2^32, so no wrap-around here.
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

let f16Table: Float32Array | null = null;

/** All 65536 f16 values, built on first use: decoding is then one lookup per element. */
function f16DecodeTable(): Float32Array {
  if (f16Table === null) {
    f16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) f16Table[bits] = f16BitsToFloat(bits);
  }
  return f16Table;
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/**
 * Parses and validates the header only (no tensor data is decoded). Useful for listing tensor
 * names and sizes without paying for decoding. Throws `SafetensorsError` on any problem.
 */
export function readSafetensorsHeader(bytes: Uint8Array): SafetensorsHeader {
  const headerLength = readHeaderLength(bytes);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const json = parseHeaderJson(bytes.subarray(8, dataStart));

  let metadata: Record<string, string> = {};
  const entries: SafetensorsEntry[] = [];
  for (const [name, raw] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      metadata = parseMetadata(raw);
      continue;
    }
    entries.push(parseEntry(name, raw, dataStart, dataLength));
  }
  checkNoOverlap(entries, dataStart);
  return { entries, metadata, dataStart };
}

/**
 * Reads a whole safetensors file. Every header entry is validated, whether or not `only`
 * selects it; only the selected tensors are decoded (all when `only` is absent).
 * The returned arrays are fresh copies: they do not keep `bytes` alive.
 */
export function readSafetensors(
  bytes: Uint8Array,
  opts: { only?: (name: string) => boolean } = {},
): { tensors: Map<string, HostTensor>; metadata: Record<string, string> } {
  const header = readSafetensorsHeader(bytes);
  const tensors = new Map<string, HostTensor>();
  for (const entry of header.entries) {
    if (opts.only && !opts.only(entry.name)) continue;
    const begin = header.dataStart + entry.dataOffsets[0];
    const end = header.dataStart + entry.dataOffsets[1];
    const data = decodeTensorData(entry, bytes.subarray(begin, end), begin);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape.slice(), data });
  }
  return { tensors, metadata: header.metadata };
}

function readHeaderLength(bytes: Uint8Array): number {
  if (bytes.length < 8) {
    throw new SafetensorsError(
      `file is ${bytes.length} bytes, shorter than the 8-byte header length field`,
      { byteOffset: 0 },
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const length = high * 2 ** 32 + low; // exact up to 2^53; anything above is rejected anyway
  if (length > MAX_HEADER_BYTES) {
    throw new SafetensorsError(
      `header length ${length} (u64 at file offset 0) exceeds the ${MAX_HEADER_BYTES}-byte limit`,
      { byteOffset: 0 },
    );
  }
  if (8 + length > bytes.length) {
    throw new SafetensorsError(
      `header length ${length} (u64 at file offset 0) reaches past the end of the ` +
        `${bytes.length}-byte file (header would end at file offset ${8 + length})`,
      { byteOffset: 0 },
    );
  }
  return length;
}

function parseHeaderJson(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    // ignoreBOM keeps a BOM in the text so that JSON.parse rejects it, as HF's reader does.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(
      `header (file offsets 8..${8 + headerBytes.length}) is not valid UTF-8`,
      { byteOffset: 8 },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new SafetensorsError(
      `header (file offsets 8..${8 + headerBytes.length}) is not valid JSON: ${reason}`,
      { byteOffset: 8 },
    );
  }
  if (!isPlainObject(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed;
    throw new SafetensorsError(
      `header (file offset 8) must be a JSON object of tensors, got ${kind}`,
      { byteOffset: 8 },
    );
  }
  return parsed;
}

function parseMetadata(raw: unknown): Record<string, string> {
  if (!isPlainObject(raw)) {
    throw new SafetensorsError(`header "${METADATA_KEY}" must be an object of strings`, {
      byteOffset: 8,
    });
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(
        `header "${METADATA_KEY}"."${key}" must be a string, got ${JSON.stringify(value)}`,
        { byteOffset: 8 },
      );
    }
    metadata[key] = value;
  }
  return metadata;
}

function parseEntry(
  name: string,
  raw: unknown,
  dataStart: number,
  dataLength: number,
): SafetensorsEntry {
  const fail = (problem: string, byteOffset = 8): never => {
    throw new SafetensorsError(`tensor "${name}": ${problem}`, { tensor: name, byteOffset });
  };
  if (!isPlainObject(raw)) return fail('header entry must be an object {dtype, shape, data_offsets}');
  for (const field of Object.keys(raw)) {
    // HF's reader rejects unknown fields; a typo (e.g. "data_offset") must not be ignored.
    if (!ENTRY_FIELDS.has(field)) fail(`unknown field "${field}" (allowed: dtype, shape, data_offsets)`);
  }
  const { dtype, shape, data_offsets: offsets } = raw;
  if (!isKnownDtype(dtype)) {
    fail(`unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`);
  }
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    fail(`shape ${JSON.stringify(shape)} must be an array of non-negative integers`);
  }
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !isNonNegativeInteger(offsets[0]) ||
    !isNonNegativeInteger(offsets[1])
  ) {
    fail(`data_offsets ${JSON.stringify(offsets)} must be [begin, end], non-negative integers`);
  }
  const knownDtype = dtype as SafetensorsDtype;
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  const range = `data_offsets [${begin}, ${end}]`;
  const fileRange = `(file offsets ${dataStart + begin}..${dataStart + end})`;
  if (begin > end) fail(`${range} has begin > end ${fileRange}`, dataStart + begin);
  if (end > dataLength) {
    fail(
      `${range} end beyond data section of ${dataLength} bytes (data section starts at file ` +
        `offset ${dataStart}; the range would be ${fileRange})`,
      dataStart + begin,
    );
  }
  const elementCount = dims.reduce((product, dim) => product * dim, 1);
  if (!Number.isSafeInteger(elementCount)) fail(`shape ${JSON.stringify(dims)} has too many elements`);
  const expectedBytes = elementCount * DTYPE_BYTES[knownDtype];
  if (expectedBytes !== end - begin) {
    fail(
      `shape ${JSON.stringify(dims)} × ${knownDtype} (${DTYPE_BYTES[knownDtype]} bytes) needs ` +
        `${expectedBytes} bytes but ${range} spans ${end - begin} ${fileRange}`,
      dataStart + begin,
    );
  }
  return { name, dtype: knownDtype, shape: dims.slice(), dataOffsets: [begin, end] };
}

/**
 * Two tensors sharing bytes would alias each other (and is how some malicious files hide
 * data). Sorting by begin means each non-empty range only needs checking against the previous
 * non-empty one. Gaps between ranges are allowed (HF's own reader is stricter and demands
 * contiguous ranges; gaps are harmless and some writers align tensors).
 */
function checkNoOverlap(entries: SafetensorsEntry[], dataStart: number): void {
  const nonEmpty = entries
    .filter((e) => e.dataOffsets[1] > e.dataOffsets[0])
    .sort((a, b) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  for (let i = 1; i < nonEmpty.length; i++) {
    const prev = nonEmpty[i - 1];
    const cur = nonEmpty[i];
    if (cur.dataOffsets[0] < prev.dataOffsets[1]) {
      throw new SafetensorsError(
        `tensor "${cur.name}": data_offsets [${cur.dataOffsets.join(', ')}] overlap tensor ` +
          `"${prev.name}" data_offsets [${prev.dataOffsets.join(', ')}] (overlap starts at file ` +
          `offset ${dataStart + cur.dataOffsets[0]})`,
        { tensor: cur.name, byteOffset: dataStart + cur.dataOffsets[0] },
      );
    }
  }
}

function decodeTensorData(
  entry: SafetensorsEntry,
  raw: Uint8Array,
  fileOffset: number,
): Float32Array | Int32Array {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const count = raw.byteLength / DTYPE_BYTES[entry.dtype];
  switch (entry.dtype) {
    case 'F32':
      return HOST_IS_LITTLE_ENDIAN ? new Float32Array(raw.slice().buffer) : decodeLoop(Float32Array, count, (i) => view.getFloat32(4 * i, true));
    case 'I32':
      return HOST_IS_LITTLE_ENDIAN ? new Int32Array(raw.slice().buffer) : decodeLoop(Int32Array, count, (i) => view.getInt32(4 * i, true));
    case 'F16': {
      const table = f16DecodeTable();
      return decodeLoop(Float32Array, count, (i) => table[view.getUint16(2 * i, true)]);
    }
    case 'BF16':
      return decodeBf16(view, count);
    case 'F64':
      return decodeF64(entry, view, count, fileOffset);
    case 'I16':
      return decodeLoop(Int32Array, count, (i) => view.getInt16(2 * i, true));
    case 'U16':
      return decodeLoop(Int32Array, count, (i) => view.getUint16(2 * i, true));
    case 'I8':
      return decodeLoop(Int32Array, count, (i) => view.getInt8(i));
    case 'U8':
      return decodeLoop(Int32Array, count, (i) => view.getUint8(i));
    case 'BOOL':
      return decodeLoop(Int32Array, count, (i) => (view.getUint8(i) !== 0 ? 1 : 0));
    case 'U32':
    case 'I64':
    case 'U64':
      return decodeWideInt(entry, view, count, fileOffset);
  }
}

function decodeLoop<T extends Float32Array | Int32Array>(
  ArrayType: new (length: number) => T,
  count: number,
  element: (index: number) => number,
): T {
  const out = new ArrayType(count);
  for (let i = 0; i < count; i++) out[i] = element(i);
  return out;
}

function decodeBf16(view: DataView, count: number): Float32Array {
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) outBits[i] = view.getUint16(2 * i, true) << 16;
  return out;
}

function decodeF64(entry: SafetensorsEntry, view: DataView, count: number, fileOffset: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const value = view.getFloat64(8 * i, true);
    out[i] = value;
    // Silently turning a finite weight into Inf would poison training far from the cause.
    if (Number.isFinite(value) && !Number.isFinite(out[i])) {
      throw new SafetensorsError(
        `tensor "${entry.name}": F64 value ${value} at element ${i} (file offset ` +
          `${fileOffset + 8 * i}) overflows float32`,
        { tensor: entry.name, byteOffset: fileOffset + 8 * i },
      );
    }
  }
  return out;
}

/** U32/I64/U64 → Int32Array, refusing values outside int32 rather than wrapping them. */
function decodeWideInt(entry: SafetensorsEntry, view: DataView, count: number, fileOffset: number): Int32Array {
  const size = DTYPE_BYTES[entry.dtype];
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const low = view.getUint32(size * i, true);
    const high = size === 8 ? view.getUint32(size * i + 4, true) : 0;
    const signed = entry.dtype === 'I64';
    const fits = (high === 0 && low <= 0x7fffffff) || (signed && high === 0xffffffff && low >= 0x80000000);
    if (!fits) {
      const value = entry.dtype === 'I64' ? view.getBigInt64(size * i, true) : entry.dtype === 'U64' ? view.getBigUint64(size * i, true) : BigInt(low);
      throw new SafetensorsError(
        `tensor "${entry.name}": ${entry.dtype} value ${value} at element ${i} (file offset ` +
          `${fileOffset + size * i}) does not fit in int32`,
        { tensor: entry.name, byteOffset: fileOffset + size * i },
      );
    }
    out[i] = low | 0;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/**
 * Serializes tensors like HF's `safetensors.serialize`: tensors ordered by dtype alignment
 * (descending) then name (code-point order, as Rust compares UTF-8 bytes), laid out back to back;
 * `__metadata__` first in the header; header padded with spaces so the data section starts at an
 * 8-byte aligned file offset. The input order does not matter.
 */
export function writeSafetensors(
  tensors: SafetensorsWriteEntry[],
  metadata?: Record<string, string>,
): Uint8Array {
  validateWriteEntries(tensors, metadata);
  const ordered = tensors
    .slice()
    .sort((a, b) => HF_DTYPE_RANK[b.dtype] - HF_DTYPE_RANK[a.dtype] || compareCodePoints(a.name, b.name));

  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header[METADATA_KEY] = metadata;
  let offset = 0;
  const placed: Array<{ entry: SafetensorsWriteEntry; begin: number }> = [];
  for (const entry of ordered) {
    const byteLength = entry.data.length * DTYPE_BYTES[entry.dtype];
    header[entry.name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + byteLength] };
    placed.push({ entry, begin: offset });
    offset += byteLength;
  }

  const json = new TextEncoder().encode(JSON.stringify(header));
  const padding = (8 - (json.length % 8)) % 8;
  const headerLength = json.length + padding;
  const dataStart = 8 + headerLength;
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true); // high word stays 0: header < 4 GiB
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, dataStart);
  for (const { entry, begin } of placed) encodeTensorData(entry, out, view, dataStart + begin);
  return out;
}

function validateWriteEntries(tensors: SafetensorsWriteEntry[], metadata?: Record<string, string>): void {
  const seen = new Set<string>();
  for (const t of tensors) {
    const fail = (problem: string): never => {
      throw new SafetensorsError(`tensor "${t.name}": ${problem}`, { tensor: t.name });
    };
    if (typeof t.name !== 'string' || t.name.length === 0) fail('name must be a non-empty string');
    if (t.name === METADATA_KEY) fail(`"${METADATA_KEY}" is reserved for the header metadata`);
    if (seen.has(t.name)) fail('duplicate tensor name');
    seen.add(t.name);
    if (!Object.prototype.hasOwnProperty.call(HF_DTYPE_RANK, t.dtype)) {
      fail(`cannot write dtype ${JSON.stringify(t.dtype)} (writable: ${Object.keys(HF_DTYPE_RANK).join(', ')})`);
    }
    if (!Array.isArray(t.shape) || !t.shape.every(isNonNegativeInteger)) {
      fail(`shape ${JSON.stringify(t.shape)} must be an array of non-negative integers`);
    }
    const count = t.shape.reduce((product, dim) => product * dim, 1);
    if (count !== t.data.length) {
      fail(`shape ${JSON.stringify(t.shape)} has ${count} elements but data has ${t.data.length}`);
    }
    const wantsFloat = t.dtype === 'F32' || t.dtype === 'F16' || t.dtype === 'BF16';
    // Refusing the other array type catches a swapped argument instead of silently converting.
    if (wantsFloat && !(t.data instanceof Float32Array)) fail(`dtype ${t.dtype} needs a Float32Array`);
    if (!wantsFloat && !(t.data instanceof Int32Array)) fail(`dtype ${t.dtype} needs an Int32Array`);
  }
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new SafetensorsError(`metadata "${key}" must be a string, got ${JSON.stringify(value)}`);
      }
    }
  }
}

function encodeTensorData(entry: SafetensorsWriteEntry, out: Uint8Array, view: DataView, at: number): void {
  const { data } = entry;
  switch (entry.dtype) {
    case 'F32':
    case 'I32':
      if (HOST_IS_LITTLE_ENDIAN) {
        out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
      } else if (entry.dtype === 'F32') {
        for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
      } else {
        for (let i = 0; i < data.length; i++) view.setInt32(at + 4 * i, data[i], true);
      }
      return;
    case 'F16':
      for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, floatToF16Bits(data[i]), true);
      return;
    case 'BF16':
      for (let i = 0; i < data.length; i++) view.setUint16(at + 2 * i, floatToBf16Bits(data[i]), true);
      return;
    case 'I64':
      for (let i = 0; i < data.length; i++) {
        view.setInt32(at + 8 * i, data[i], true);
        view.setInt32(at + 8 * i + 4, data[i] < 0 ? -1 : 0, true); // sign extension
      }
      return;
  }
}

/** Code-point order (= UTF-8 byte order, Rust's String order), unlike JS's UTF-16 `<`. */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
    if (ca > 0xffff) i++; // skip the low surrogate of an astral character
  }
  return a.length - b.length;
}
