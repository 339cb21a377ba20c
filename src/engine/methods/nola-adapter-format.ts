import type { HostTensor } from '../io/safetensors';
import type { ModelShape } from '../models/hooks';
import { AdapterError } from './types';
import { expectTensor } from './host-tensors';
import { LORA_TARGETS, type LoraTarget } from './lora-info';
import { nolaSchema, nolaTargetShapes, nolaTensorName, type NolaConfig } from './nola-info';

/**
 * NOLA's compact binary adapter, for share links: the seed and sizes plus the (optionally
 * quantized) coefficients α, β — the bases are regenerated from the seed, never stored. This
 * file reads it (the link's `nola.adapter` option is checked on the page, without tfjs); the
 * writer, which quantizes with kernels/nola-quant, is in nola-adapter-codec.ts.
 */

/**
 * Layout (all little-endian), version 1:
 *
 *   0  "NOLA" (4 bytes)          4  version = 1 (u8)         5  bits: 32 (float32), 8, 4 or 3 (u8)
 *   6  flags (u8): bit 0 shared   7  targets (u8): bit per role, q=0 k=1 v=2 attn_out=3 mlp_in=4 mlp_out=5
 *   8  seed (u32)   12  k (u32)   16  l (u32)   20  r (u16)   22  layers (u16)   24  c (f32)
 *   28 per target, in nolaTargetShapes order (layer-major, linears in model order, q/k/v thirds):
 *      α then β; each vector: bits = 32 → count float32s; else its scale (f32) then count
 *      two's-complement integers of `bits` bits, packed LSB first, padded to a whole byte
 *   end: CRC-32 (IEEE) of every byte before it (u32)
 *
 * The model's sizes (d, layers) are not needed to read α, β: k and l fix every vector's length,
 * and `layers` plus the targets fix their number; loading checks them against the model.
 */
export const NOLA_LINK_VERSION = 1;
export const MAGIC = [0x4e, 0x4f, 0x4c, 0x41];
export const HEADER_BYTES = 28;
export const ROLE_BITS: Record<LoraTarget, number> = { q: 0, k: 1, v: 2, attn_out: 3, mlp_in: 4, mlp_out: 5 };

export class NolaEncodingError extends AdapterError {
  override name = 'NolaEncodingError';
}

export interface NolaEncoded {
  config: NolaConfig;
  layers: number;
  /** Dequantized α, β per target, in nolaTargetShapes order. */
  coefficients: Array<{ alpha: Float32Array; beta: Float32Array }>;
  bits: 32 | 8 | 4 | 3;
}

let crcTable: Uint32Array | null = null;
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let j = 0; j < 8; j++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function vectorBytes(count: number, bits: number): number {
  return bits === 32 ? 4 * count : 4 + Math.ceil((count * bits) / 8);
}

/** Reads and validates an encoded adapter; every error names the byte offset. */
export function decodeNolaAdapter(bytes: Uint8Array): NolaEncoded {
  const fail = (offset: number, message: string): never => {
    throw new NolaEncodingError(`NOLA adapter, byte ${offset}: ${message}`);
  };
  if (bytes.length < HEADER_BYTES + 4) fail(bytes.length, `only ${bytes.length} bytes; a NOLA adapter has at least ${HEADER_BYTES + 4}`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) fail(i, 'not a NOLA adapter (it must start with "NOLA")');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(4);
  if (version !== NOLA_LINK_VERSION) fail(4, `version ${version} is not supported (this build reads version ${NOLA_LINK_VERSION})`);
  const bits = view.getUint8(5);
  if (![32, 8, 4, 3].includes(bits)) fail(5, `bits ${bits} is not one of 32, 8, 4, 3`);
  const flags = view.getUint8(6);
  if (flags > 1) fail(6, `unknown flags 0x${flags.toString(16)}`);
  const mask = view.getUint8(7);
  const targets = LORA_TARGETS.filter((t) => mask & (1 << ROLE_BITS[t]));
  if (targets.length === 0 || mask >> LORA_TARGETS.length) fail(7, `target mask 0x${mask.toString(16)} names no known target or an unknown one`);
  const layers = view.getUint16(22, true);
  if (layers < 1) fail(22, 'layers must be at least 1');
  const parsed = nolaSchema.safeParse({
    k: view.getUint32(12, true),
    l: view.getUint32(16, true),
    r: view.getUint16(20, true),
    c: view.getFloat32(24, true),
    seed: view.getUint32(8, true),
    shared: flags === 1,
    quantBits: 'none',
    targets,
    adapter: '',
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = String(issue.path[0]);
    const at: Record<string, number> = { k: 12, l: 16, r: 20, c: 24, seed: 8 };
    fail(at[field] ?? 8, `field ${field}: ${issue.message}`);
  }
  const config = { ...(parsed.data as NolaConfig), quantBits: bits === 32 ? 'none' : (String(bits) as NolaConfig['quantBits']) };
  const count = layers * targets.length;
  const expected = HEADER_BYTES + count * (vectorBytes(config.k, bits) + vectorBytes(config.l, bits)) + 4;
  if (bytes.length !== expected) fail(Math.min(bytes.length, expected), `length ${bytes.length} does not match the header (expected ${expected} bytes for ${count} targets, k=${config.k}, l=${config.l}, ${bits} bits)`);
  // The header is checked field by field above; the checksum catches a change anywhere else.
  const stored = view.getUint32(bytes.length - 4, true);
  const computed = crc32(bytes.subarray(0, bytes.length - 4));
  if (stored !== computed) fail(bytes.length - 4, `checksum mismatch (stored ${stored.toString(16)}, computed ${computed.toString(16)}): bytes ${HEADER_BYTES}…${bytes.length - 5} (the coefficients) or the checksum are corrupted`);
  let offset = HEADER_BYTES;
  const readVector = (n: number): Float32Array => {
    const out = new Float32Array(n);
    if (bits === 32) {
      for (let i = 0; i < n; i++) {
        out[i] = view.getFloat32(offset + 4 * i, true);
        if (!Number.isFinite(out[i])) fail(offset + 4 * i, `coefficient is ${out[i]}`);
      }
      offset += 4 * n;
      return out;
    }
    const scale = view.getFloat32(offset, true);
    if (!Number.isFinite(scale) || scale < 0) fail(offset, `quantization scale is ${scale}`);
    offset += 4;
    // quantLevels(bits) of kernels/nola-quant, for the bits checked above (8, 4, 3).
    const qmax = 2 ** (bits - 1) - 1;
    for (let i = 0; i < n; i++) {
      let code = 0;
      for (let b = 0; b < bits; b++) {
        const bit = i * bits + b;
        if (bytes[offset + (bit >> 3)] & (1 << (bit & 7))) code |= 1 << b;
      }
      const q = code >= 1 << (bits - 1) ? code - (1 << bits) : code;
      if (q < -qmax) fail(offset + ((i * bits) >> 3), `quantized value ${q} is outside ±${qmax}`);
      out[i] = q * scale;
    }
    offset += Math.ceil((n * bits) / 8);
    return out;
  };
  const coefficients: NolaEncoded['coefficients'] = [];
  for (let t = 0; t < count; t++) coefficients.push({ alpha: readVector(config.k), beta: readVector(config.l) });
  return { config, layers, coefficients, bits: bits as NolaEncoded['bits'] };
}

/** Coefficients of an attached NOLA in the encoding's order, from its saved tensors. */
export function nolaCoefficientsFromTensors(model: ModelShape, config: NolaConfig, tensors: Map<string, HostTensor>): Array<{ alpha: Float32Array; beta: Float32Array }> {
  return nolaTargetShapes(model, config.targets).map(({ linear, role }) => ({
    alpha: expectTensor(tensors, nolaTensorName(linear, role, 'alpha'), [config.k]),
    beta: expectTensor(tensors, nolaTensorName(linear, role, 'beta'), [config.l]),
  }));
}

/** Tensors to load (loadAdapter) from decoded coefficients; checks the model's layer count. */
export function nolaTensorsFromEncoded(model: ModelShape, encoded: NolaEncoded): Map<string, HostTensor> {
  if (encoded.layers !== model.layers) throw new NolaEncodingError(`NOLA adapter, byte 22: it was trained on ${encoded.layers} layers, this model has ${model.layers}`);
  const shapes = nolaTargetShapes(model, encoded.config.targets);
  const tensors = new Map<string, HostTensor>();
  shapes.forEach(({ linear, role }, i) => {
    tensors.set(nolaTensorName(linear, role, 'alpha'), { dtype: 'F32', shape: [encoded.config.k], data: encoded.coefficients[i].alpha });
    tensors.set(nolaTensorName(linear, role, 'beta'), { dtype: 'F32', shape: [encoded.config.l], data: encoded.coefficients[i].beta });
  });
  return tensors;
}

/** Bytes of the compact encoding, from the config alone (the UI's "stored bytes"). */
export function nolaEncodedBytes(model: ModelShape, config: NolaConfig, bits: 32 | 8 | 4 | 3): number {
  const count = nolaTargetShapes(model, config.targets).length;
  return HEADER_BYTES + count * (vectorBytes(config.k, bits) + vectorBytes(config.l, bits)) + 4;
}

/** The encoded adapter's header must describe this config (the bases and shapes it was trained with). */
export function checkEncodedMatches(encoded: NolaEncoded, config: NolaConfig): void {
  const fields = ['k', 'l', 'r', 'seed', 'shared'] as const;
  for (const field of fields) {
    if (encoded.config[field] !== config[field]) throw new NolaEncodingError(`nola.adapter was trained with ${field}=${encoded.config[field]}, these options have ${field}=${config[field]}`);
  }
  if (Math.fround(config.c) !== encoded.config.c) throw new NolaEncodingError(`nola.adapter was trained with c=${encoded.config.c}, these options have c=${config.c}`);
  const sorted = (t: readonly string[]) => [...t].sort((a, b) => LORA_TARGETS.indexOf(a as LoraTarget) - LORA_TARGETS.indexOf(b as LoraTarget)).join(',');
  if (sorted(encoded.config.targets) !== sorted(config.targets)) throw new NolaEncodingError(`nola.adapter adapts ${sorted(encoded.config.targets)}, these options target ${sorted(config.targets)}`);
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** RFC 4648 §5 base64url without padding (link-safe: no character needs escaping). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2;
    for (let c = 0; c < chars; c++) out += BASE64URL[(n >> (18 - 6 * c)) & 63];
  }
  return out;
}

export function fromBase64Url(text: string): Uint8Array {
  if (text.length % 4 === 1) throw new NolaEncodingError(`NOLA adapter text: ${text.length} characters is not a base64url length`);
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let value = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const v = BASE64URL.indexOf(text[i]);
    if (v < 0) throw new NolaEncodingError(`NOLA adapter text, character ${i}: "${text[i] === undefined ? '' : text.charCodeAt(i) < 32 ? '?' : text[i]}" is not base64url`);
    value = (value << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (value >> bits) & 0xff;
    }
  }
  return out;
}

