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

export type Batch = LmBatch | ClassifyBatch;
