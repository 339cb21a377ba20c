import { describe, expect, it } from 'vitest';
import {
  ImageProcessorError,
  imageProcessorConfigToJson,
  parseImageProcessorConfig,
  preprocessImage,
  resizeBilinearPil,
} from '../../src/engine/tokenize/image-processor';

/**
 * ViTImageProcessor numerics: hand-computed cases, and Pillow's own outputs (fixtures below,
 * produced with the Python snippet in each comment) for the resize, which HF delegates to PIL.
 */

/** Produced by Pillow 9.4.0: Image.frombytes(...).resize((ow, oh), Image.BILINEAR).tobytes(). */
const PIL_RESIZES = [{"w": 5, "h": 3, "ow": 11, "oh": 7, "input": [130, 183, 14, 238, 127, 26, 80, 57, 190, 240, 126, 194, 52, 127, 6], "output": [130, 140, 164, 168, 91, 14, 116, 218, 198, 147, 127, 115, 125, 149, 155, 88, 20, 116, 212, 199, 159, 143, 71, 81, 105, 117, 77, 39, 117, 195, 204, 195, 192, 26, 36, 60, 78, 67, 57, 117, 178, 208, 231, 240, 69, 80, 107, 122, 88, 55, 104, 153, 154, 144, 140, 112, 123, 153, 166, 110, 53, 90, 128, 101, 57, 39, 126, 138, 169, 181, 117, 52, 86, 120, 83, 28, 6]}, {"w": 6, "h": 4, "ow": 2, "oh": 2, "input": [110, 208, 143, 93, 199, 81, 36, 71, 227, 64, 67, 0, 2, 107, 110, 84, 85, 148, 160, 101, 104, 93, 100, 196], "output": [120, 103, 98, 107]}, {"w": 13, "h": 9, "ow": 5, "oh": 4, "input": [152, 11, 184, 212, 84, 74, 135, 33, 169, 154, 1, 173, 33, 158, 181, 156, 246, 161, 94, 246, 241, 90, 29, 131, 11, 183, 206, 9, 214, 187, 192, 4, 231, 23, 92, 100, 60, 125, 236, 176, 181, 128, 236, 55, 188, 151, 18, 221, 46, 106, 174, 185, 75, 174, 141, 47, 159, 162, 156, 90, 40, 76, 158, 247, 82, 24, 41, 207, 16, 121, 176, 128, 233, 215, 74, 28, 16, 252, 171, 106, 66, 67, 211, 54, 86, 222, 190, 76, 30, 215, 150, 72, 232, 86, 232, 249, 162, 245, 140, 149, 240, 206, 75, 57, 193, 91, 255, 173, 92, 45, 251, 139, 184, 32, 182, 17, 156], "output": [139, 161, 140, 100, 101, 148, 148, 131, 96, 146, 104, 119, 152, 124, 125, 148, 160, 168, 150, 113]}, {"w": 4, "h": 4, "ow": 2, "oh": 2, "input": [186, 143, 248, 135, 150, 174, 91, 5, 242, 128, 166, 140, 237, 147, 182, 178], "output": [167, 129, 182, 148]}, {"w": 10, "h": 2, "ow": 3, "oh": 5, "input": [140, 176, 209, 179, 88, 230, 186, 171, 72, 85, 101, 185, 244, 144, 40, 213, 87, 215, 154, 138], "output": [172, 172, 125, 172, 169, 128, 170, 155, 142, 168, 141, 156, 168, 138, 159]}];
/** 28×28 input (i·37 + i² mod 251) mod 256 resized by Pillow: 224×224 checksum Σ(i+1)·v mod 2^31−1, sum, first row start; and 9×9 in full. */
const PIL_28_TO_224 = {"checksum": 483378076, "sum": 6333200, "first": [0, 0, 0, 0, 2, 7, 12, 17, 21, 26, 31, 36]};
const PIL_28_TO_9 = [103, 119, 125, 133, 113, 98, 109, 102, 108, 98, 113, 130, 142, 111, 124, 111, 115, 115, 104, 114, 155, 159, 99, 112, 119, 156, 113, 112, 137, 126, 150, 139, 123, 117, 105, 120, 124, 157, 126, 136, 133, 128, 136, 115, 129, 116, 110, 104, 119, 113, 142, 134, 125, 146, 134, 130, 120, 113, 132, 125, 128, 146, 155, 154, 135, 127, 133, 113, 140, 126, 140, 157, 136, 122, 137, 142, 133, 145, 105, 126, 165];
/** Pillow convert("L") of a 3×2 RGB image. */
const PIL_RGB_TO_L = {"rgb": [14, 100, 81, 225, 92, 112, 92, 21, 241, 115, 84, 27, 68, 56, 162, 92, 247, 99], "L": [72, 134, 67, 87, 72, 184]};

const noResize = (extra: Record<string, unknown> = {}) => parseImageProcessorConfig({ do_resize: false, ...extra });

describe('parseImageProcessorConfig', () => {
  it("has ViTImageProcessor's defaults", () => {
    expect(parseImageProcessorConfig({})).toEqual({
      doResize: true,
      size: { height: 224, width: 224 },
      resample: 2,
      doRescale: true,
      rescaleFactor: 1 / 255,
      doNormalize: true,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
    });
  });

  it('reads a real google/vit-base-patch16-224 preprocessor_config.json and round-trips', () => {
    const json = {
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_processor_type: 'ViTImageProcessor',
      image_std: [0.5, 0.5, 0.5],
      resample: 2,
      rescale_factor: 0.00392156862745098,
      size: { height: 224, width: 224 },
    };
    const c = parseImageProcessorConfig(json);
    expect(c.rescaleFactor).toBe(1 / 255);
    expect(parseImageProcessorConfig(imageProcessorConfigToJson(c))).toEqual(c);
  });

  const bad: Array<[string, Record<string, unknown>, RegExp]> = [
    ['bicubic resampling', { resample: 3 }, /field "resample" is 3 \(BICUBIC\); only 2 \(BILINEAR/],
    ['shortest_edge sizes', { size: { shortest_edge: 224 } }, /field "size"/],
    ['another processor', { image_processor_type: 'CLIPImageProcessor' }, /field "image_processor_type" is "CLIPImageProcessor"/],
    ['a zero std', { image_std: [0.5, 0, 0.5] }, /field "image_std\.1" is 0/],
    ['a string mean', { image_mean: 'imagenet' }, /field "image_mean"/],
  ];
  for (const [title, json, pattern] of bad) {
    it(`refuses ${title}, naming the field`, () => {
      expect(() => parseImageProcessorConfig(json)).toThrow(ImageProcessorError);
      expect(() => parseImageProcessorConfig(json)).toThrow(pattern);
    });
  }
});

describe('resize (PIL BILINEAR on 8-bit pixels)', () => {
  it('2×1 → 4×1 upscaling is bilinear interpolation with half-pixel centres', () => {
    // Output centres 0.25, 0.75, 1.25, 1.75 in input pixels: weights (1, 0), (.75, .25), (.25, .75), (0, 1).
    // 0·.75 + 100·.25 = 25, 75, 100 — each rounded from the fixed-point sum.
    expect(Array.from(resizeBilinearPil(Uint8Array.of(0, 100), 2, 1, 4, 1))).toEqual([0, 25, 75, 100]);
  });

  it('4×4 → 2×2 downscaling uses the widened triangle: taps (3/7, 3/7, 1/7) and (1/7, 3/7, 3/7)', () => {
    // Scale 2 widens the support to 2 input pixels: output 0 (centre 1.0) sees inputs 0, 1, 2 at
    // triangle heights .75, .75, .25, normalised to 3/7, 3/7, 1/7 — not the 2×2 block average.
    const row = Uint8Array.of(70, 0, 0, 0);
    const rows = new Uint8Array(16);
    for (let y = 0; y < 4; y++) rows.set(row, y * 4);
    // 70 · 3/7 = 30 on the first output column, 0 on the second; the vertical pass keeps rows equal.
    expect(Array.from(resizeBilinearPil(rows, 4, 4, 2, 2))).toEqual([30, 0, 30, 0]);
    const last = Uint8Array.of(0, 0, 0, 70);
    const lastRows = new Uint8Array(16);
    for (let y = 0; y < 4; y++) lastRows.set(last, y * 4);
    expect(Array.from(resizeBilinearPil(lastRows, 4, 4, 2, 2))).toEqual([0, 30, 0, 30]);
  });

  it('same size is the identity', () => {
    const img = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    expect(Array.from(resizeBilinearPil(img, 4, 3, 4, 3))).toEqual(Array.from(img));
  });

  for (const c of PIL_RESIZES) {
    it(`matches Pillow exactly: ${c.w}×${c.h} → ${c.ow}×${c.oh}`, () => {
      expect(Array.from(resizeBilinearPil(Uint8Array.from(c.input), c.w, c.h, c.ow, c.oh))).toEqual(c.output);
    });
  }

  it('matches Pillow exactly: 28×28 → 224×224 and → 9×9', () => {
    const big = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 37 + ((i * i) % 251)) % 256);
    const up = resizeBilinearPil(big, 28, 28, 224, 224);
    let checksum = 0;
    let sum = 0;
    up.forEach((v, i) => {
      checksum = (checksum + (i + 1) * v) % 2147483647;
      sum += v;
    });
    expect({ checksum, sum, first: Array.from(up.subarray(0, 12)) }).toEqual(PIL_28_TO_224);
    expect(Array.from(resizeBilinearPil(big, 28, 28, 9, 9))).toEqual(PIL_28_TO_9);
  });
});

describe('preprocessImage', () => {
  it('rescales and normalises as HF does: (v/255 − mean)/std in float32, [C, H, W]', () => {
    const c = noResize();
    // One RGB pixel row of two pixels, interleaved.
    const out = preprocessImage({ width: 2, height: 1, channels: 3, data: Uint8Array.of(0, 255, 128, 51, 102, 204) }, c, 3);
    const f = Math.fround;
    const norm = (v: number) => f(f(f(v * (1 / 255)) - 0.5) / 0.5);
    expect(Array.from(out)).toEqual([norm(0), norm(51), norm(255), norm(102), norm(128), norm(204)]);
    expect(out[0]).toBe(-1);
    expect(out[2]).toBe(1);
    expect(out[1]).toBeCloseTo(51 / 127.5 - 1, 6);
  });

  it('per-channel mean and std, and no rescale/normalise when turned off', () => {
    const c = noResize({ image_mean: [0.485, 0.456, 0.406], image_std: [0.229, 0.224, 0.225] });
    const out = preprocessImage({ width: 1, height: 1, channels: 3, data: Uint8Array.of(255, 255, 255) }, c, 3);
    expect(out[0]).toBeCloseTo((1 - 0.485) / 0.229, 5);
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5);
    const raw = preprocessImage({ width: 1, height: 1, channels: 1, data: Uint8Array.of(77) }, noResize({ do_rescale: false, do_normalize: false }), 1);
    expect(Array.from(raw)).toEqual([77]);
  });

  it('grayscale becomes three equal planes for an RGB model; alpha is dropped', () => {
    const gray = preprocessImage({ width: 2, height: 2, channels: 1, data: Uint8Array.of(0, 85, 170, 255) }, noResize(), 3);
    expect(gray).toHaveLength(12);
    expect(Array.from(gray.subarray(0, 4))).toEqual(Array.from(gray.subarray(4, 8)));
    expect(Array.from(gray.subarray(0, 4))).toEqual(Array.from(gray.subarray(8, 12)));
    expect(gray[3]).toBe(1);
    const rgba = preprocessImage({ width: 1, height: 1, channels: 4, data: Uint8Array.of(255, 0, 255, 0) }, noResize(), 3);
    expect(Array.from(rgba)).toEqual([1, -1, 1]);
  });

  it("RGB becomes PIL's convert('L') luma for a grayscale model", () => {
    const out = preprocessImage({ width: 3, height: 2, channels: 3, data: Uint8Array.from(PIL_RGB_TO_L.rgb) }, noResize({ do_normalize: false, do_rescale: false }), 1);
    expect(Array.from(out)).toEqual(PIL_RGB_TO_L.L);
  });

  it('resizes before rescaling (on 8-bit values, as PIL does) to size {height, width}', () => {
    const c = parseImageProcessorConfig({ size: { height: 1, width: 4 }, do_normalize: false, do_rescale: false });
    expect(Array.from(preprocessImage({ width: 2, height: 1, channels: 1, data: Uint8Array.of(0, 100) }, c, 1))).toEqual([0, 25, 75, 100]);
    const rgb = preprocessImage({ width: 28, height: 28, channels: 1, data: new Uint8Array(784).fill(255) }, parseImageProcessorConfig({}), 3);
    expect(rgb).toHaveLength(3 * 224 * 224);
    expect(new Set(rgb)).toEqual(new Set([1]));
  });

  it('refuses inconsistent inputs with clear messages', () => {
    expect(() => preprocessImage({ width: 2, height: 2, channels: 3, data: new Uint8Array(11) }, noResize(), 3)).toThrow(/11 bytes, 2×2×3 needs 12/);
    expect(() => preprocessImage({ width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, noResize({ image_mean: [0.5, 0.5] }), 3)).toThrow(/"image_mean" has 2 values, the model has 3 channels/);
    expect(() => preprocessImage({ width: 1, height: 1, channels: 1, data: new Uint8Array(1) }, noResize(), 2)).toThrow(/2 channels/);
  });
});
