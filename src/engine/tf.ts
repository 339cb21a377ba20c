/**
 * The one place the engine imports tfjs from. `@tensorflow/tfjs` (not tfjs-core alone) because
 * it registers every gradient in both its ESM (browser) and CommonJS (Node) builds; the
 * backends below import the same tfjs-core instance.
 */
export * as tf from '@tensorflow/tfjs';
