import type { ModelShape } from '../models/hooks';
import { quantizeVector } from '../kernels/nola-quant';
import type { AttachedMethod } from './types';
import { crc32, HEADER_BYTES, MAGIC, NOLA_LINK_VERSION, nolaCoefficientsFromTensors, ROLE_BITS, toBase64Url, vectorBytes } from './nola-adapter-format';
import type { NolaConfig } from './nola-info';

/**
 * NOLA's compact binary adapter, whole: the layout and reader (nola-adapter-format.ts, pure)
 * and the writer here, which quantizes the coefficients (PTQ) with kernels/nola-quant.
 */
export * from './nola-adapter-format';

/** Packs α, β of every target; `bits` < 32 quantizes them (PTQ), one scale per vector. */
export function encodeNolaAdapter(config: NolaConfig, layers: number, coefficients: Array<{ alpha: ArrayLike<number>; beta: ArrayLike<number> }>, bits: 32 | 8 | 4 | 3): Uint8Array {
  if (![32, 8, 4, 3].includes(bits)) throw new Error(`NOLA adapter bits must be 32, 8, 4 or 3, got ${bits}`);
  const perLayer = coefficients.length / layers;
  if (!Number.isInteger(perLayer) || perLayer !== config.targets.length) {
    throw new Error(`NOLA adapter: ${coefficients.length} targets do not make ${layers} layers × ${config.targets.length} targets`);
  }
  const body = coefficients.length * (vectorBytes(config.k, bits) + vectorBytes(config.l, bits));
  const bytes = new Uint8Array(HEADER_BYTES + body + 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint8(4, NOLA_LINK_VERSION);
  view.setUint8(5, bits);
  view.setUint8(6, config.shared ? 1 : 0);
  view.setUint8(7, config.targets.reduce((mask, t) => mask | (1 << ROLE_BITS[t]), 0));
  view.setUint32(8, config.seed, true);
  view.setUint32(12, config.k, true);
  view.setUint32(16, config.l, true);
  view.setUint16(20, config.r, true);
  view.setUint16(22, layers, true);
  view.setFloat32(24, config.c, true);
  let offset = HEADER_BYTES;
  const writeVector = (values: ArrayLike<number>, count: number) => {
    if (values.length !== count) throw new Error(`NOLA adapter: a coefficient vector has ${values.length} values, expected ${count}`);
    if (bits === 32) {
      for (let i = 0; i < count; i++) view.setFloat32(offset + 4 * i, values[i], true);
      offset += 4 * count;
      return;
    }
    const q = quantizeVector(values, bits);
    view.setFloat32(offset, q.scale, true);
    offset += 4;
    const mask = (1 << bits) - 1;
    for (let i = 0; i < count; i++) {
      const code = q.q[i] & mask;
      for (let b = 0; b < bits; b++) {
        if ((code >> b) & 1) {
          const bit = i * bits + b;
          bytes[offset + (bit >> 3)] |= 1 << (bit & 7);
        }
      }
    }
    offset += Math.ceil((count * bits) / 8);
  };
  for (const { alpha, beta } of coefficients) {
    writeVector(alpha, config.k);
    writeVector(beta, config.l);
  }
  view.setUint32(offset, crc32(bytes.subarray(0, offset)), true);
  return bytes;
}

/**
 * The `adapter` option value (base64url of the compact encoding) of a trained NOLA: what a share
 * link carries. `bits`: 8, 4 or 3 quantize (PTQ; the config's QAT bits when it trained with
 * QAT, else 4 — the paper's 4-bit PTQ loses almost nothing), 32 keeps floats.
 */
export async function nolaAdapterText(method: AttachedMethod, model: ModelShape, config: NolaConfig, bits?: 32 | 8 | 4 | 3): Promise<string> {
  const chosen = bits ?? (config.quantBits === 'none' ? 4 : (Number(config.quantBits) as 8 | 4 | 3));
  const saved = await method.saveAdapter();
  return toBase64Url(encodeNolaAdapter(config, model.layers, nolaCoefficientsFromTensors(model, config, saved.tensors), chosen));
}
