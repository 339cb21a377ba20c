import { readFile } from 'node:fs/promises';
import { decode as decodePng, hasPngSignature, type DecodedPng } from 'fast-png';
import type { RawImage } from '../engine/tokenize/image-processor';
import { UsageError } from './args';

/**
 * The CLI's image inputs for ViT: a PNG file (`--image`) decoded to the 8-bit interleaved image
 * the engine's ViTImageProcessor port takes, or already-preprocessed pixel values (`--pixels`,
 * JSON) checked against the model's [C, H, W]. Errors name the option and the file.
 */

/** What the PNG was before it became 8-bit HWC, for the output. */
export interface DecodedImageInfo {
  width: number;
  height: number;
  /** PNG bit depth per sample (1, 2, 4, 8 or 16). */
  depth: number;
  /** gray, gray+alpha, rgb, rgba or indexed. */
  colorType: string;
}

async function readInput(option: string, file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(file));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`--${option}: cannot read "${file}"${code === 'ENOENT' ? ' (no such file)' : code === 'EISDIR' ? ' (it is a folder)' : ` (${(error as Error).message})`}`);
  }
}

/** Samples of one row, unpacked from 1/2/4-bit packing (rows start on a byte boundary). */
function unpackSamples(png: DecodedPng, samplesPerPixel: number): Uint16Array | Uint8Array {
  if (png.depth >= 8) return png.data as Uint16Array | Uint8Array;
  const perRow = png.width * samplesPerPixel;
  const rowBytes = Math.ceil((perRow * png.depth) / 8);
  const out = new Uint8Array(perRow * png.height);
  const mask = (1 << png.depth) - 1;
  for (let y = 0; y < png.height; y++) {
    for (let i = 0; i < perRow; i++) {
      const bit = i * png.depth;
      const byte = png.data[y * rowBytes + (bit >> 3)];
      out[y * perRow + i] = (byte >> (8 - png.depth - (bit & 7))) & mask;
    }
  }
  return out;
}

/**
 * Samples of any PNG bit depth to 8 bits: low depths scaled to 0…255 (v·255/(2^depth−1), as
 * PIL expands them), 16-bit rounded to the nearest 8-bit value (v/257).
 */
function to8Bit(sample: number, depth: number): number {
  if (depth === 8) return sample;
  if (depth === 16) return Math.round(sample / 257);
  return Math.round((sample * 255) / ((1 << depth) - 1));
}

/**
 * A PNG file → 8-bit gray, RGB or RGBA pixels (HWC). Gray+alpha keeps the gray (ViT's processor
 * drops alpha); an indexed (palette) image is expanded through its palette.
 */
export async function readPngImage(file: string): Promise<{ image: RawImage; info: DecodedImageInfo }> {
  const bytes = await readInput('image', file);
  if (!hasPngSignature(bytes)) {
    throw new UsageError(`--image: "${file}" is not a PNG file (its first bytes are not the PNG signature); only PNG images are supported`);
  }
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch (error) {
    throw new UsageError(`--image: "${file}" is not a valid PNG (${(error as Error).message})`);
  }
  const { width, height, depth } = png;
  const n = width * height;
  if (n === 0) throw new UsageError(`--image: "${file}" has no pixels (${width}×${height})`);
  if (png.palette) {
    const indices = unpackSamples(png, 1);
    const channels = png.palette[0]?.length === 4 ? 4 : 3;
    const data = new Uint8Array(n * channels);
    for (let i = 0; i < n; i++) {
      const entry = png.palette[indices[i]];
      if (!entry) throw new UsageError(`--image: "${file}": pixel ${i} uses palette entry ${indices[i]}, the palette has ${png.palette.length}`);
      for (let c = 0; c < channels; c++) data[i * channels + c] = entry[c] ?? 255;
    }
    return { image: { width, height, channels, data }, info: { width, height, depth, colorType: 'indexed' } };
  }
  const samples = unpackSamples(png, png.channels);
  const colorTypes: Record<number, string> = { 1: 'gray', 2: 'gray+alpha', 3: 'rgb', 4: 'rgba' };
  const colorType = colorTypes[png.channels];
  if (!colorType) throw new UsageError(`--image: "${file}" has ${png.channels} channels per pixel; PNG has 1 to 4`);
  // Gray+alpha has no RawImage form: keep the gray sample.
  const channels = png.channels === 2 ? 1 : (png.channels as 1 | 3 | 4);
  const data = new Uint8Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) data[i * channels + c] = to8Bit(samples[i * png.channels + c], depth);
  }
  return { image: { width, height, channels, data }, info: { width, height, depth, colorType } };
}

/**
 * Preprocessed pixel values from JSON: a flat array of C·H·W numbers or nested [C][H][W],
 * checked against the model's shape; every value must be a finite number.
 */
export async function readPixelsJson(file: string, shape: { channels: number; height: number; width: number }): Promise<Float32Array> {
  const text = new TextDecoder().decode(await readInput('pixels', file));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--pixels: "${file}" is not valid JSON (${(error as Error).message})`);
  }
  const { channels, height, width } = shape;
  const expected = channels * height * width;
  const want = `[${channels}][${height}][${width}]`;
  if (!Array.isArray(json)) throw new UsageError(`--pixels: "${file}" must hold an array (flat, ${expected} numbers, or nested ${want}), not ${json === null ? 'null' : typeof json}`);
  const out = new Float32Array(expected);
  const put = (value: unknown, at: number, where: string) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new UsageError(`--pixels: "${file}": element ${where} is ${JSON.stringify(value) ?? String(value)}, not a finite number`);
    out[at] = value;
  };
  if (json.length === 0 || !Array.isArray(json[0])) {
    if (json.length !== expected) {
      throw new UsageError(`--pixels: "${file}" holds ${json.length} values; the model takes ${channels}×${height}×${width} = ${expected} (num_channels × image_size × image_size)`);
    }
    json.forEach((v, i) => put(v, i, String(i)));
    return out;
  }
  if (json.length !== channels) throw new UsageError(`--pixels: "${file}" has ${json.length} channels, the model takes ${want} (num_channels ${channels})`);
  json.forEach((plane: unknown, c) => {
    if (!Array.isArray(plane) || plane.length !== height) {
      throw new UsageError(`--pixels: "${file}": [${c}] has ${Array.isArray(plane) ? `${plane.length} rows` : 'no rows'}, the model takes ${want}`);
    }
    plane.forEach((row: unknown, y) => {
      if (!Array.isArray(row) || row.length !== width) {
        throw new UsageError(`--pixels: "${file}": [${c}][${y}] has ${Array.isArray(row) ? `${row.length} values` : 'no values'}, the model takes ${want}`);
      }
      row.forEach((v, x) => put(v, (c * height + y) * width + x, `[${c}][${y}][${x}]`));
    });
  });
  return out;
}
