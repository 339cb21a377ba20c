import { z } from 'zod';

/**
 * Hugging Face's ViTImageProcessor (`preprocessor_config.json`), re-done without PIL or numpy:
 * image bytes → [C, H, W] float32 pixel_values, the same numbers `processor(images)` gives.
 *
 * Order, as HF: channel conversion → resize (on 8-bit pixels, through PIL) → rescale
 * (float64 multiply, stored as float32) → normalise ((x − mean) / std in float32).
 *
 * Resizing is PIL's `Image.resize(BILINEAR)` on 8-bit images, ported from Pillow's
 * libImaging/Resample.c: a separable triangle filter whose support widens by the scale factor
 * when shrinking (so downscaling averages all covered pixels, not just the 2×2 nearest — this
 * is where PIL differs from textbook bilinear and from tf.image.resizeBilinear), fixed-point
 * weights with 22 fractional bits, and a horizontal pass rounded to 8 bits before the vertical
 * one. Upscaling reduces to ordinary bilinear interpolation with half-pixel centres.
 */

export interface ImageProcessorConfig {
  doResize: boolean;
  size: { height: number; width: number };
  /** PIL resampling filter id; only 2 (BILINEAR) is implemented. */
  resample: 2;
  doRescale: boolean;
  rescaleFactor: number;
  doNormalize: boolean;
  /** Per channel, or one value for all channels. */
  imageMean: number[];
  imageStd: number[];
}

/** An 8-bit image, interleaved channels (HWC), as a canvas or a decoded PNG gives it. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 = grayscale, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export class ImageProcessorError extends Error {
  override name = 'ImageProcessorError';
}

/** IMAGENET_STANDARD_MEAN / _STD, ViTImageProcessor's defaults. */
const IMAGENET_STANDARD = [0.5, 0.5, 0.5];
const PIL_NAMES: Record<number, string> = { 0: 'NEAREST', 1: 'LANCZOS', 2: 'BILINEAR', 3: 'BICUBIC', 4: 'BOX', 5: 'HAMMING' };

const meanOrStd = z.union([z.number(), z.array(z.number()).min(1)]);
const schema = z.object({
  image_processor_type: z.string().optional(),
  do_resize: z.boolean().default(true),
  // HF's get_size_dict also takes a bare int (a square); shortest_edge/longest_edge sizes keep the
  // aspect ratio and need a crop, which ViT's processor does not do.
  size: z
    .union([z.number().int().positive().transform((n) => ({ height: n, width: n })), z.object({ height: z.number().int().positive(), width: z.number().int().positive() })], {
      message: 'must be {"height": H, "width": W} or one integer (shortest_edge sizes are not supported)',
    })
    .default({ height: 224, width: 224 }),
  resample: z.number().int().default(2),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().positive().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: meanOrStd.nullish(),
  image_std: meanOrStd.nullish(),
  // Channel conversion is decided by the model's num_channels (see preprocessImage).
  do_convert_rgb: z.boolean().nullish(),
});

/** Parses `preprocessor_config.json` contents with ViTImageProcessor's defaults; errors name the field. */
export function parseImageProcessorConfig(json: unknown): ImageProcessorConfig {
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `preprocessor_config.json: field "${i.path.join('.') || '(root)'}" ${i.message}`);
    throw new ImageProcessorError(issues.join('; '));
  }
  const c = parsed.data;
  if (c.image_processor_type !== undefined && !/^ViTImageProcessor(Fast)?$/.test(c.image_processor_type)) {
    throw new ImageProcessorError(
      `preprocessor_config.json: field "image_processor_type" is "${c.image_processor_type}"; only ViTImageProcessor is supported`,
    );
  }
  if (c.resample !== 2) {
    const name = PIL_NAMES[c.resample] ?? 'unknown';
    throw new ImageProcessorError(
      `preprocessor_config.json: field "resample" is ${c.resample} (${name}); only 2 (BILINEAR, ViTImageProcessor's default) is implemented`,
    );
  }
  const list = (v: number | number[] | null | undefined) => (v === null || v === undefined ? IMAGENET_STANDARD : typeof v === 'number' ? [v] : v);
  const imageStd = list(c.image_std);
  const zero = imageStd.findIndex((s) => s === 0);
  if (c.do_normalize && zero >= 0) throw new ImageProcessorError(`preprocessor_config.json: field "image_std.${zero}" is 0`);
  return {
    doResize: c.do_resize,
    size: c.size,
    resample: 2,
    doRescale: c.do_rescale,
    rescaleFactor: c.rescale_factor,
    doNormalize: c.do_normalize,
    imageMean: list(c.image_mean),
    imageStd,
  };
}

/** Back to HF's `preprocessor_config.json`. */
export function imageProcessorConfigToJson(c: ImageProcessorConfig): Record<string, unknown> {
  return {
    image_processor_type: 'ViTImageProcessor',
    do_resize: c.doResize,
    size: c.size,
    resample: c.resample,
    do_rescale: c.doRescale,
    rescale_factor: c.rescaleFactor,
    do_normalize: c.doNormalize,
    image_mean: c.imageMean,
    image_std: c.imageStd,
  };
}

/** The height and width preprocessImage produces for an image of this size. */
export function outputSize(image: { width: number; height: number }, c: ImageProcessorConfig): { height: number; width: number } {
  return c.doResize ? c.size : { height: image.height, width: image.width };
}

/**
 * One image → HF's pixel_values [C, H, W] (float32, C = the model's num_channels).
 * Grayscale becomes RGB by repetition (PIL convert('RGB')) for a 3-channel model; RGB becomes
 * grayscale with PIL's convert('L') luma for a 1-channel model; alpha is dropped.
 */
export function preprocessImage(image: RawImage, c: ImageProcessorConfig, modelChannels: number): Float32Array {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width <= 0 || !Number.isInteger(height) || height <= 0) {
    throw new ImageProcessorError(`image size ${width}×${height} is not a positive integer size`);
  }
  if (data.length !== width * height * channels) {
    throw new ImageProcessorError(`image data has ${data.length} bytes, ${width}×${height}×${channels} needs ${width * height * channels}`);
  }
  if (modelChannels !== 1 && modelChannels !== 3) {
    throw new ImageProcessorError(`models with ${modelChannels} channels are not supported (1 or 3)`);
  }
  for (const [field, values] of [['image_mean', c.imageMean], ['image_std', c.imageStd]] as const) {
    if (c.doNormalize && values.length !== 1 && values.length !== modelChannels) {
      throw new ImageProcessorError(`preprocessor_config.json: field "${field}" has ${values.length} values, the model has ${modelChannels} channels`);
    }
  }
  let planes = toPlanes(image, modelChannels);
  let outH = height;
  let outW = width;
  if (c.doResize) {
    outH = c.size.height;
    outW = c.size.width;
    planes = planes.map((plane) => resizeBilinearPil(plane, width, height, outW, outH));
  }
  const pixels = outH * outW;
  const out = new Float32Array(modelChannels * pixels);
  for (let ch = 0; ch < modelChannels; ch++) {
    const mean = Math.fround(c.imageMean.length === 1 ? c.imageMean[0] : c.imageMean[ch]);
    const std = Math.fround(c.imageStd.length === 1 ? c.imageStd[0] : c.imageStd[ch]);
    const plane = planes[ch];
    for (let i = 0; i < pixels; i++) {
      // HF: rescale multiplies in float64 and casts to float32; normalise stays in float32.
      let v = c.doRescale ? Math.fround(plane[i] * c.rescaleFactor) : plane[i];
      if (c.doNormalize) v = Math.fround(Math.fround(v - mean) / std);
      out[ch * pixels + i] = v;
    }
  }
  return out;
}

/** HWC bytes → one byte plane per model channel. */
function toPlanes(image: RawImage, modelChannels: number): Uint8Array[] {
  const { width, height, channels, data } = image;
  const n = width * height;
  const planes = Array.from({ length: modelChannels }, () => new Uint8Array(n));
  for (let i = 0; i < n; i++) {
    const at = i * channels;
    if (modelChannels === 3) {
      for (let ch = 0; ch < 3; ch++) planes[ch][i] = data[at + (channels === 1 ? 0 : ch)];
    } else if (channels === 1) {
      planes[0][i] = data[at];
    } else {
      // PIL's convert('L'): ITU-R 601-2 luma in 16-bit fixed point, rounded.
      planes[0][i] = (data[at] * 19595 + data[at + 1] * 38470 + data[at + 2] * 7471 + 0x8000) >>> 16;
    }
  }
  return planes;
}

const PRECISION_BITS = 32 - 8 - 2;

/** Pillow's precompute_coeffs for the triangle (bilinear, support 1) filter, then normalize_coeffs_8bpc. */
function bilinearCoefficients(inSize: number, outSize: number): { bounds: Int32Array; kernel: Int32Array; ksize: number } {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ss = 1 / filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kernel = new Int32Array(outSize * ksize);
  const weights = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let total = 0;
    weights.fill(0);
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      weights[x] = w;
      total += w;
    }
    for (let x = 0; x < xmax; x++) {
      const k = total !== 0 ? weights[x] / total : weights[x];
      const scaled = k * (1 << PRECISION_BITS);
      kernel[xx * ksize + x] = Math.trunc(k < 0 ? scaled - 0.5 : scaled + 0.5);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { bounds, kernel, ksize };
}

function clip8(acc: number): number {
  const v = Math.floor(acc / (1 << PRECISION_BITS));
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * PIL `Image.resize((outW, outH), BILINEAR)` of one 8-bit plane: horizontal pass (rounded to
 * 8 bits), then vertical pass; a pass whose size does not change is skipped, as in Pillow.
 */
export function resizeBilinearPil(plane: Uint8Array, inW: number, inH: number, outW: number, outH: number): Uint8Array {
  let current = plane;
  if (outW !== inW) {
    const { bounds, kernel, ksize } = bilinearCoefficients(inW, outW);
    const next = new Uint8Array(outW * inH);
    for (let y = 0; y < inH; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        // Accumulates exact integers below 2^53: 255 · 2^22 · ksize is far from the limit.
        let acc = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < xmax; x++) acc += current[y * inW + xmin + x] * kernel[xx * ksize + x];
        next[y * outW + xx] = clip8(acc);
      }
    }
    current = next;
  }
  if (outH !== inH) {
    const { bounds, kernel, ksize } = bilinearCoefficients(inH, outH);
    const next = new Uint8Array(outW * outH);
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[yy * 2];
      const ymax = bounds[yy * 2 + 1];
      for (let x = 0; x < outW; x++) {
        let acc = 1 << (PRECISION_BITS - 1);
        for (let y = 0; y < ymax; y++) acc += current[(ymin + y) * outW + x] * kernel[yy * ksize + y];
        next[yy * outW + x] = clip8(acc);
      }
    }
    current = next;
  }
  return current === plane ? plane.slice() : current;
}
