import { describe, it, expect } from 'vitest';
import {
  bf16BitsToFloat,
  f16BitsToFloat,
  floatToBf16Bits,
  floatToF16Bits,
  readSafetensors,
  readSafetensorsHeader,
  SafetensorsError,
  writeSafetensors,
} from '../../src/engine/io/safetensors';
import { concatBytes, handBuiltFile, u16le } from './helpers';

function expectSafetensorsError(fn: () => unknown, pattern: RegExp, tensor?: string): SafetensorsError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.message).toMatch(pattern);
  if (tensor !== undefined) expect(err.tensor).toBe(tensor);
  return err;
}

/** The raw 16-bit words a tensor occupies in a written file. */
function wordsOf(bytes: Uint8Array, name: string): number[] {
  const header = readSafetensorsHeader(bytes);
  const entry = header.entries.find((e) => e.name === name)!;
  const view = new DataView(bytes.buffer, bytes.byteOffset + header.dataStart + entry.dataOffsets[0]);
  const words: number[] = [];
  for (let i = 0; i < (entry.dataOffsets[1] - entry.dataOffsets[0]) / 2; i++) words.push(view.getUint16(2 * i, true));
  return words;
}

describe('half-precision conversions', () => {
  it('F16 bits decode to the right values, incl. subnormals, inf, NaN and -0', () => {
    expect(f16BitsToFloat(0x3c00)).toBe(1);
    expect(f16BitsToFloat(0xc000)).toBe(-2);
    expect(f16BitsToFloat(0x7bff)).toBe(65504);
    expect(f16BitsToFloat(0x0001)).toBe(2 ** -24);
    expect(f16BitsToFloat(0x03ff)).toBe(1023 * 2 ** -24);
    expect(f16BitsToFloat(0x0400)).toBe(2 ** -14);
    expect(f16BitsToFloat(0x7c00)).toBe(Infinity);
    expect(f16BitsToFloat(0xfc00)).toBe(-Infinity);
    expect(f16BitsToFloat(0x7e00)).toBeNaN();
    expect(Object.is(f16BitsToFloat(0x8000), -0)).toBe(true);
  });

  it('F16 encoding rounds to nearest even, including into subnormals and overflow', () => {
    expect(floatToF16Bits(1)).toBe(0x3c00);
    expect(floatToF16Bits(0.1)).toBe(0x2e66);
    expect(floatToF16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even
    expect(floatToF16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToF16Bits(65504)).toBe(0x7bff);
    expect(floatToF16Bits(65519)).toBe(0x7bff);
    expect(floatToF16Bits(65520)).toBe(0x7c00); // tie at the top rounds to Inf
    expect(floatToF16Bits(1e9)).toBe(0x7c00);
    expect(floatToF16Bits(-Infinity)).toBe(0xfc00);
    expect(floatToF16Bits(NaN) & 0x7e00).toBe(0x7e00);
    expect(floatToF16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and min subnormal → 0
    expect(floatToF16Bits(2 ** -25 * 1.01)).toBe(0x0001);
    expect(floatToF16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 units → even
    expect(floatToF16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the normals
    expect(floatToF16Bits(-0)).toBe(0x8000);
    expect(floatToF16Bits(1e-30)).toBe(0x0000);
  });

  it('every non-NaN F16 and BF16 bit pattern survives decode → encode', () => {
    const mismatches: string[] = [];
    for (let bits = 0; bits < 65536; bits++) {
      const f16 = f16BitsToFloat(bits);
      if (!Number.isNaN(f16) && floatToF16Bits(f16) !== bits) mismatches.push(`f16 ${bits.toString(16)}`);
      const bf16 = bf16BitsToFloat(bits);
      if (!Number.isNaN(bf16) && floatToBf16Bits(bf16) !== bits) mismatches.push(`bf16 ${bits.toString(16)}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('BF16 encoding rounds to nearest even', () => {
    expect(floatToBf16Bits(1)).toBe(0x3f80);
    expect(floatToBf16Bits(Math.PI)).toBe(0x4049);
    expect(floatToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(floatToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(floatToBf16Bits(3.4028234663852886e38)).toBe(0x7f80); // f32 max rounds to Inf
    expect(floatToBf16Bits(NaN)).toBe(0x7fc0);
  });
});

describe('writeSafetensors / readSafetensors round trip', () => {
  const f32 = new Float32Array([0, 1.5, -2.25, 3e-8, 1e30, -0]);
  const ints = new Int32Array([0, 1, -1, 2147483647, -2147483648, 42]);
  const tensors = [
    { name: 'w.f32', dtype: 'F32' as const, shape: [2, 3], data: f32 },
    { name: 'w.f16', dtype: 'F16' as const, shape: [4], data: new Float32Array([1, -2, 65504, 0.1]) },
    { name: 'w.bf16', dtype: 'BF16' as const, shape: [2, 2], data: new Float32Array([1, Math.PI, -0, Infinity]) },
    { name: 'ids.i32', dtype: 'I32' as const, shape: [6], data: ints },
    { name: 'ids.i64', dtype: 'I64' as const, shape: [3, 2], data: ints },
    { name: 'scalar', dtype: 'F32' as const, shape: [], data: new Float32Array([7]) },
    { name: 'empty', dtype: 'F32' as const, shape: [0, 4], data: new Float32Array(0) },
  ];
  const metadata = { format: 'pt', note: 'ünïcode ok' };
  const bytes = writeSafetensors(tensors, metadata);

  it('reads back every dtype, shape and the metadata', () => {
    const { tensors: read, metadata: readMeta } = readSafetensors(bytes);
    expect(readMeta).toEqual(metadata);
    expect([...read.keys()].sort()).toEqual(tensors.map((t) => t.name).sort());
    expect(read.get('w.f32')).toEqual({ dtype: 'F32', shape: [2, 3], data: f32 });
    expect(Array.from(read.get('w.f16')!.data)).toEqual([1, -2, 65504, f16BitsToFloat(0x2e66)]);
    expect(Array.from(read.get('w.bf16')!.data)).toEqual([1, bf16BitsToFloat(0x4049), -0, Infinity]);
    expect(read.get('ids.i32')).toEqual({ dtype: 'I32', shape: [6], data: ints });
    expect(read.get('ids.i64')).toEqual({ dtype: 'I64', shape: [3, 2], data: ints });
    expect(read.get('scalar')!.shape).toEqual([]);
    expect(read.get('empty')!.data.length).toBe(0);
  });

  it('stores the expected bit patterns', () => {
    expect(wordsOf(bytes, 'w.f16')).toEqual([0x3c00, 0xc000, 0x7bff, 0x2e66]);
    expect(wordsOf(bytes, 'w.bf16')).toEqual([0x3f80, 0x4049, 0x8000, 0x7f80]);
    // I64 is sign-extended: -1 is eight 0xff bytes.
    expect(wordsOf(bytes, 'ids.i64').slice(8, 12)).toEqual([0xffff, 0xffff, 0xffff, 0xffff]);
  });

  it('lays the file out like HF: 8-byte aligned data, dtype-then-name order, metadata first', () => {
    const header = readSafetensorsHeader(bytes);
    expect(header.dataStart % 8).toBe(0);
    expect(header.entries.map((e) => e.name)).toEqual(['ids.i64', 'empty', 'scalar', 'w.f32', 'ids.i32', 'w.bf16', 'w.f16']);
    const headerText = new TextDecoder().decode(bytes.subarray(8, header.dataStart));
    expect(headerText.startsWith('{"__metadata__":')).toBe(true);
    expect(/^ *$/.test(headerText.slice(headerText.lastIndexOf('}') + 1))).toBe(true);
    // Contiguous, as HF's own reader demands.
    let end = 0;
    for (const e of header.entries) {
      expect(e.dataOffsets[0]).toBe(end);
      end = e.dataOffsets[1];
    }
    expect(header.dataStart + end).toBe(bytes.length);
  });

  it('matches the bytes of HF test_serialization (tensor "attn.0", F32 [1,2,3])', () => {
    const out = writeSafetensors([{ name: 'attn.0', dtype: 'F32', shape: [1, 2, 3], data: new Float32Array([0, 1, 2, 3, 4, 5]) }]);
    const header = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
    expect(out[0]).toBe(64);
    expect(new TextDecoder().decode(out.subarray(8, 72))).toBe(header);
    expect(out.length).toBe(8 + 64 + 24);
  });

  it('`only` decodes a subset but still validates the whole header', () => {
    const { tensors: read } = readSafetensors(bytes, { only: (n) => n.startsWith('ids.') });
    expect([...read.keys()].sort()).toEqual(['ids.i32', 'ids.i64']);
  });

  it('returns copies that do not alias the file buffer', () => {
    const copy = bytes.slice();
    const { tensors: read } = readSafetensors(copy);
    copy.fill(0);
    expect(read.get('w.f32')!.data).toEqual(f32);
  });

  it('refuses bad writer input', () => {
    expect(() => writeSafetensors([{ name: 'a', dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }])).toThrow(/"a".*4 elements but data has 3/);
    const t = { name: 'dup', dtype: 'F32' as const, shape: [1], data: new Float32Array(1) };
    expect(() => writeSafetensors([t, t])).toThrow(/"dup": duplicate/);
    expect(() => writeSafetensors([{ name: 'i', dtype: 'I32', shape: [1], data: new Float32Array(1) }])).toThrow(/Int32Array/);
    expect(() => writeSafetensors([{ name: '__metadata__', dtype: 'F32', shape: [1], data: new Float32Array(1) }])).toThrow(/reserved/);
  });
});

describe('readSafetensors on a hand-built file', () => {
  // F32 [2] = [1, -2] at 0..8; F16 [8] of special values at 8..24; I64 [2] at 24..40; BOOL at 40..43.
  const f32 = new Uint8Array([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0]);
  const f16 = u16le([0x0001, 0x03ff, 0x0400, 0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3c00]);
  const i64 = new Uint8Array([5, 0, 0, 0, 0, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const bool = new Uint8Array([0, 1, 7]);
  const header = {
    __metadata__: { format: 'pt' },
    // Deliberately not in offset order.
    mask: { dtype: 'BOOL', shape: [3], data_offsets: [40, 43] },
    a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    half: { dtype: 'F16', shape: [2, 4], data_offsets: [8, 24] },
    ids: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
  };

  it('decodes every tensor (odd header length: unaligned data)', () => {
    let text = JSON.stringify(header);
    while ((8 + text.length) % 4 !== 1) text += ' '; // data section starts at an odd offset
    const file = handBuiltFile(text, concatBytes(f32, f16, i64, bool));
    const { tensors, metadata } = readSafetensors(file);
    expect(metadata).toEqual({ format: 'pt' });
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, -2]);
    const half = Array.from(tensors.get('half')!.data);
    expect(half.slice(0, 5)).toEqual([2 ** -24, 1023 * 2 ** -24, 2 ** -14, Infinity, -Infinity]);
    expect(half[5]).toBeNaN();
    expect(Object.is(half[6], -0)).toBe(true);
    expect(half[7]).toBe(1);
    expect(tensors.get('half')!.shape).toEqual([2, 4]);
    expect(tensors.get('ids')).toEqual({ dtype: 'I64', shape: [2], data: new Int32Array([5, -2]) });
    expect(tensors.get('mask')).toEqual({ dtype: 'BOOL', shape: [3], data: new Int32Array([0, 1, 1]) });
  });

  it('works on a subarray of a larger buffer (non-zero byteOffset)', () => {
    const file = handBuiltFile(header, concatBytes(f32, f16, i64, bool), { pad: true });
    const big = new Uint8Array(file.length + 3);
    big.set(file, 3);
    const { tensors } = readSafetensors(big.subarray(3));
    expect(Array.from(tensors.get('a')!.data)).toEqual([1, -2]);
  });

  it('refuses an I64 value that does not fit in int32, naming tensor and offset', () => {
    const big = new Uint8Array([0, 0, 0, 0, 1, 0, 0, 0]); // 2^32
    const file = handBuiltFile({ pos: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, big);
    const err = expectSafetensorsError(() => readSafetensors(file), /tensor "pos": I64 value 4294967296 at element 0 .*does not fit in int32/, 'pos');
    expect(err.byteOffset).toBe(file.length - 8);
  });

  it('widens U8/I8/I16/U16 and decodes F64 and BF16', () => {
    const data = concatBytes(
      new Uint8Array([255]),
      new Uint8Array([0x80]),
      u16le([0x8000, 0xffff]),
      new Uint8Array(new Float64Array([0.5, -3]).buffer),
      u16le([0x3f80, 0xc000]),
    );
    const file = handBuiltFile(
      {
        u8: { dtype: 'U8', shape: [1], data_offsets: [0, 1] },
        i8: { dtype: 'I8', shape: [1], data_offsets: [1, 2] },
        i16: { dtype: 'I16', shape: [1], data_offsets: [2, 4] },
        u16: { dtype: 'U16', shape: [1], data_offsets: [4, 6] },
        f64: { dtype: 'F64', shape: [2], data_offsets: [6, 22] },
        bf: { dtype: 'BF16', shape: [2], data_offsets: [22, 26] },
      },
      data,
    );
    const { tensors } = readSafetensors(file);
    expect(Array.from(tensors.get('u8')!.data)).toEqual([255]);
    expect(Array.from(tensors.get('i8')!.data)).toEqual([-128]);
    expect(Array.from(tensors.get('i16')!.data)).toEqual([-32768]);
    expect(Array.from(tensors.get('u16')!.data)).toEqual([65535]);
    expect(tensors.get('f64')!.data).toEqual(new Float32Array([0.5, -3]));
    expect(Array.from(tensors.get('bf')!.data)).toEqual([1, -2]);
  });
});

describe('readSafetensors refuses malformed files', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] };
  const data8 = new Uint8Array(8);

  it('file shorter than 8 bytes', () => {
    const err = expectSafetensorsError(() => readSafetensors(new Uint8Array(5)), /5 bytes, shorter than the 8-byte header length/);
    expect(err.byteOffset).toBe(0);
  });

  it('header length beyond the file', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: ok }, data8, { headerLength: 5000 })), /header length 5000 .*past the end of the \d+-byte file/);
  });

  it('header length over 100 MB (and u64 lengths above 2^32)', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({}, data8, { headerLength: 100_000_001 })), /exceeds the 100000000-byte limit/);
    const huge = handBuiltFile({}, data8);
    huge[7] = 1; // 2^56 + ...
    expectSafetensorsError(() => readSafetensors(huge), /exceeds/);
  });

  it('header not JSON', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile('{"t": {', data8)), /header \(file offsets 8\.\.15\) is not valid JSON/);
  });

  it('header not UTF-8', () => {
    const file = handBuiltFile('{"\u00e9":1}', data8);
    file[10] = 0xff;
    expectSafetensorsError(() => readSafetensors(file), /not valid UTF-8/);
  });

  it('header JSON not an object', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile('[1,2]', data8)), /must be a JSON object of tensors, got an array/);
    expectSafetensorsError(() => readSafetensors(handBuiltFile('null', data8)), /got null/);
  });

  it('unknown dtype', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ 'h.0.w': { ...ok, dtype: 'F8_E4M3' } }, data8)), /tensor "h.0.w": unknown dtype "F8_E4M3"/, 'h.0.w');
  });

  it('unknown extra field in an entry', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, offset: 3 } }, data8)), /tensor "t": unknown field "offset"/, 't');
  });

  it('metadata that is not string → string', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ __metadata__: { step: 3 }, t: ok }, data8)), /"__metadata__"."step" must be a string/);
  });

  it('shape × dtype size ≠ byte range', () => {
    const err = expectSafetensorsError(
      () => readSafetensors(handBuiltFile({ 'h.0.attn.c_attn.weight': { ...ok, shape: [3] } }, data8)),
      /tensor "h.0.attn.c_attn.weight": shape \[3\] × F32 \(4 bytes\) needs 12 bytes but data_offsets \[0, 8\] spans 8/,
      'h.0.attn.c_attn.weight',
    );
    expect(err.byteOffset).toBeGreaterThan(8);
  });

  it('range beyond the data section', () => {
    const file = handBuiltFile({ 'h.0.attn.c_attn.weight': { dtype: 'F32', shape: [1024], data_offsets: [0, 4096] } }, new Uint8Array(2048), { pad: true });
    const dataStart = file.length - 2048;
    expectSafetensorsError(
      () => readSafetensors(file),
      new RegExp(`tensor "h.0.attn.c_attn.weight": data_offsets \\[0, 4096\\] end beyond data section of 2048 bytes .*file offsets ${dataStart}\\.\\.${dataStart + 4096}`),
      'h.0.attn.c_attn.weight',
    );
  });

  it('overlapping ranges', () => {
    const header = { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } };
    expectSafetensorsError(() => readSafetensors(handBuiltFile(header, new Uint8Array(12))), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" data_offsets \[0, 8\]/, 'b');
  });

  it('negative or non-integer shape', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, shape: [-2] } }, data8)), /tensor "t": shape \[-2\] must be an array of non-negative integers/, 't');
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, shape: [1.5] } }, data8)), /shape \[1.5\]/, 't');
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, shape: '2' } }, data8)), /shape "2"/, 't');
  });

  it('begin > end', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, data8)), /tensor "t": data_offsets \[8, 4\] has begin > end/, 't');
  });

  it('malformed data_offsets', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, data_offsets: [0] } }, data8)), /tensor "t": data_offsets \[0\] must be \[begin, end\]/, 't');
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: { ...ok, data_offsets: [-8, 0] } }, data8)), /data_offsets \[-8,0\]/, 't');
  });

  it('entry that is not an object', () => {
    expectSafetensorsError(() => readSafetensors(handBuiltFile({ t: [1, 2] }, data8)), /tensor "t": header entry must be an object/, 't');
  });
});
