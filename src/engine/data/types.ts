/** Batches as plain typed arrays: the trainer turns them into tensors, the data code stays tfjs-free. */
export interface LmBatch {
  kind: 'lm';
  batchSize: number;
  seqLen: number;
  /** [batchSize * seqLen], row-major. Labels are the same ids shifted by one (HF convention). */
  inputIds: Int32Array;
  /** [batchSize * seqLen]; 1 = real token, 0 = padding (ignored as key and in the loss). */
  attentionMask: Int32Array;
}

export interface ClassifyBatch {
  kind: 'classify';
  batchSize: number;
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** [batchSize] class indices. */
  labels: Int32Array;
}

export type Batch = LmBatch | ClassifyBatch | ImageBatch | Seq2SeqBatch;

/** Images already preprocessed for the model (resize, rescale, normalise), with class labels. */
export interface ImageBatch {
  kind: 'image';
  batchSize: number;
  channels: number;
  height: number;
  width: number;
  /** [batchSize * channels * height * width], row-major [B, C, H, W] as HF's pixel_values. */
  pixels: Float32Array;
  /** [batchSize] class indices. */
  labels: Int32Array;
}

/** Encoder input and decoder targets of a text-to-text model (T5), right-padded. */
export interface Seq2SeqBatch {
  kind: 'seq2seq';
  batchSize: number;
  /** Encoder tokens per row. */
  seqLen: number;
  inputIds: Int32Array;
  attentionMask: Int32Array;
  /** Decoder tokens per row. */
  targetLen: number;
  /** [batchSize * targetLen] target ids ending in eos, padded with pad id (HF's labels). */
  labels: Int32Array;
  /** [batchSize * targetLen]; 1 = real target (eos included), 0 = padding (ignored in the loss). */
  labelMask: Int32Array;
}
