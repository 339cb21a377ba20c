import { tf } from '../tf';

/**
 * Activation checkpointing per transformer block: the forward keeps only the block's inputs;
 * the backward runs the block's forward again under a fresh gradient tape and differentiates
 * that. Same gradients exactly (the recomputation is the same ops on the same values, with the
 * same dropout seeds replayed), at the price of one more forward per block.
 *
 * tfjs has no public API for this, so this file (and only this file) reads the engine's tape:
 * - which trainable variables a block reads is learnt once per block by recording one forward on
 *   a scratch tape (customGrad must name its differentiable inputs up front);
 * - which block arguments carry a gradient is read off the outer tape each step (an argument
 *   computed from trainable variables does; masks and frozen activations do not);
 * - the recomputation's nested tape is run with the outer tape set aside, since
 *   `engine.gradients` at depth 0 drops whatever tape is active when it ends.
 */

/** Dropout seeds as the models draw them. */
export interface SeedSource {
  next(): number | null;
  nextDropoutSeed(): number | null;
}

export type CheckpointPolicy = 'none' | 'blocks';

interface TapeNode {
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
}

interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number; kernelDepth: number };
  gradients(f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean): { value: tf.Tensor; grads: Array<tf.Tensor | undefined> };
}

function engine(): EngineInternals {
  return tf.engine() as unknown as EngineInternals;
}

/** Whether ops are being recorded for a gradient right now (training), as tfjs decides it. */
export function recordingGradients(): boolean {
  const { state } = engine();
  return state.gradientDepth > 0 && state.kernelDepth === 0 && state.activeTape !== null;
}

/** Seeds drawn in the forward, handed out again in the same order for the recomputation. */
class RecordedSeeds implements SeedSource {
  readonly drawn: Array<number | null> = [];
  constructor(private readonly source: SeedSource) {}
  next(): number | null {
    const seed = this.source.next();
    this.drawn.push(seed);
    return seed;
  }
  nextDropoutSeed(): number | null {
    return this.next();
  }
}

class ReplayedSeeds implements SeedSource {
  private index = 0;
  constructor(private readonly drawn: Array<number | null>) {}
  next(): number | null {
    if (this.index >= this.drawn.length) throw new Error('checkpoint: the recomputed block drew more dropout seeds than its forward');
    return this.drawn[this.index++];
  }
  nextDropoutSeed(): number | null {
    return this.next();
  }
}

const constantSeeds: SeedSource = { next: () => 1, nextDropoutSeed: () => 1 };

/** Ids of tensors on `tape` computed (transitively) from a trainable variable. */
function trainableDescendants(tape: TapeNode[]): Set<number> {
  const reached = new Set<number>();
  for (const node of tape) {
    const fromTrainable = Object.values(node.inputs).some((t) => reached.has(t.id) || (t instanceof tf.Variable && t.trainable));
    if (fromTrainable) for (const out of node.outputs) reached.add(out.id);
  }
  return reached;
}

/**
 * The trainable variables one forward of `run` reads, recorded on a scratch tape (the outer
 * tape is set aside and restored; the scratch forward's saved tensors are freed).
 */
function trainableVariablesRead(args: tf.Tensor[], run: (args: tf.Tensor[], seeds: SeedSource) => tf.Tensor, where: string): tf.Variable[] {
  const { state } = engine();
  const outer = state.activeTape;
  const scratch: TapeNode[] = [];
  state.activeTape = scratch;
  try {
    tf.tidy(() => {
      run(args, constantSeeds);
    });
    const produced = new Set(scratch.flatMap((node) => node.outputs.map((t) => t.id)));
    const argIds = new Set(args.map((t) => t.id));
    const reached = outer ? trainableDescendants(outer) : new Set<number>();
    const variables = new Map<number, tf.Variable>();
    for (const node of scratch) {
      for (const input of Object.values(node.inputs)) {
        if (produced.has(input.id) || argIds.has(input.id)) continue;
        if (input instanceof tf.Variable) {
          if (input.trainable) variables.set(input.id, input);
        } else if (reached.has(input.id)) {
          throw new Error(`checkpoint: ${where} reads a tensor computed from trainable weights outside the block; pass it as an argument`);
        }
      }
    }
    return [...variables.values()];
  } finally {
    for (const node of scratch) for (const t of node.saved ?? []) t.dispose();
    state.activeTape = outer;
  }
}

/**
 * Runs `run(args, seeds)` as a checkpointed block while gradients are recorded (plainly
 * otherwise). `variablesByBlock` caches, per block key, the trainable variables the block reads.
 * `run` must read every non-variable tensor that depends on trainable weights through `args`.
 */
export function checkpointBlock(
  key: string,
  variablesByBlock: Map<string, tf.Variable[]>,
  args: tf.Tensor[],
  seeds: SeedSource,
  run: (args: tf.Tensor[], seeds: SeedSource) => tf.Tensor,
): tf.Tensor {
  if (!recordingGradients()) return run(args, seeds);
  let variables = variablesByBlock.get(key);
  if (!variables) {
    variables = trainableVariablesRead(args, run, key);
    variablesByBlock.set(key, variables);
  }
  const reached = trainableDescendants(engine().state.activeTape ?? []);
  const argWanted = args.map((t) => (t instanceof tf.Variable ? t.trainable : reached.has(t.id)));
  const differentiable = [...args.filter((_, i) => argWanted[i]), ...variables];
  if (differentiable.length === 0) return run(args, seeds);

  const recorded = new RecordedSeeds(seeds);
  const op = tf.customGrad(((...inputs: unknown[]) => {
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    // Every argument is kept (masks too): the recomputation needs them all, nothing else.
    save(args);
    return {
      value: run(args, recorded),
      gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => {
        const wantedArgs = kept.filter((_, i) => argWanted[i]);
        const xs = [...wantedArgs, ...(variables as tf.Variable[])];
        const state = engine().state;
        const outer = state.activeTape;
        try {
          const { value, grads } = engine().gradients(() => run(kept, new ReplayedSeeds(recorded.drawn)), xs, dy, true);
          value.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(xs[i]));
        } finally {
          state.activeTape = outer;
        }
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (op as unknown as (...t: tf.Tensor[]) => tf.Tensor)(...differentiable);
}

/**
 * How a model runs its blocks: its checkpointing switch and per-block variable cache (keyed by
 * the hooks object, since each attached method reads its own variables inside the blocks).
 */
export class BlockCheckpointing {
  policy: CheckpointPolicy = 'none';
  private readonly variables = new WeakMap<object, Map<string, tf.Variable[]>>();

  /**
   * Runs one block in its own tidy, so its intermediates are freed when it ends rather than when
   * the whole forward does (what its backward needs, the fused blocks have saved): a forward
   * then holds one block's working set at a time on top of what is kept.
   */
  run(hooks: object, key: string, args: tf.Tensor[], seeds: SeedSource, block: (args: tf.Tensor[], seeds: SeedSource) => tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      if (this.policy === 'none') return block(args, seeds);
      let cache = this.variables.get(hooks);
      if (!cache) {
        cache = new Map();
        this.variables.set(hooks, cache);
      }
      return checkpointBlock(key, cache, args, seeds, block);
    });
  }
}
