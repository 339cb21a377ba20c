import { tf } from '../tf';
import { matMul2d } from '../blocks/linear';
import type { HostTensor } from '../io/safetensors';
import { ownedVariable } from '../models/layers';
import type { Rng } from '../data/rng';
import { AdapterError, type AttachedMethod, type MethodDefinition, type ParamGroup } from './types';
import { assignAll, expectTensor, rejectUnknown, toHost } from './host';
import { initialPromptRows, prependPrompt } from './prompt';
import { peftTaskType } from './model-parts';
import { deptInfo, deptPlan, type DeptConfig } from './dept-info';

export * from './dept-info';

/**
 * Tensor names, as the authors' code saves them (their PEFT fork's `PROMPT_TUNING_LORA`,
 * peft/utils/save_and_load.py): `prompt_embeddings` [m, d], `prompt_encoder.lora_embedding_A`
 * [s, r], `prompt_encoder.lora_embedding_B` [r, d].
 */
export const DEPT_TENSORS = {
  prompt: 'prompt_embeddings',
  a: 'prompt_encoder.lora_embedding_A',
  b: 'prompt_encoder.lora_embedding_B',
} as const;

/**
 * A ~ N(0, σ²) with σ = 1/√(3r): the paper says "Gaussian, following Hu et al."; the authors'
 * code draws A by kaiming_uniform_(a=√5) on [s, r], i.e. U(±1/√r), whose std is 1/√(3r). We
 * keep the paper's Gaussian at the code's scale.
 */
function initialA(s: number, r: number, rng: Rng): tf.Tensor2D {
  const std = 1 / Math.sqrt(3 * r);
  return tf.tensor2d(Float32Array.from({ length: s * r }, () => rng.normal() * std), [s, r]);
}

interface DeptVariables {
  prompt: tf.Variable | null;
  a: tf.Variable | null;
  b: tf.Variable | null;
}

/** [B, T, d] token embeddings → [B, m + T, d]: A·B added to the first T positions, then P_s prepended. */
function applyDept(tokenEmbeds: tf.Tensor3D, vars: DeptVariables, s: number): tf.Tensor3D {
  const [, t, d] = tokenEmbeds.shape;
  if (t > s) throw new Error(`DePT's A has rows for s=${s} input positions; this input has ${t} tokens`);
  let x = tokenEmbeds;
  if (vars.a && vars.b) {
    const rows = t === s ? vars.a : tf.slice(vars.a, [0, 0], [t, -1]);
    const delta = matMul2d(rows as tf.Tensor2D, vars.b as tf.Tensor2D).reshape([1, t, d]);
    x = tf.add(x, delta);
  }
  if (vars.prompt) x = prependPrompt(vars.prompt as tf.Tensor2D, x);
  return x;
}

/**
 * Checks an adapter's A for the input length first: A·B is per position, so an adapter trained
 * at another s cannot be used, and the user should hear that rather than a shape mismatch.
 */
function checkInputLength(tensors: Map<string, HostTensor>, s: number): void {
  const a = tensors.get(DEPT_TENSORS.a);
  if (a && a.shape.length === 2 && a.shape[0] !== s) {
    throw new AdapterError(
      `DePT adapter was trained for inputs of s=${a.shape[0]} tokens; this run uses ${s} (A·B updates each input position, so set the sequence length to ${a.shape[0]})`,
    );
  }
}

/** DePT's tensor part: P_s, A and B, the input hook, the authors' file layout. */
export const deptMethod: MethodDefinition<DeptConfig> = {
  ...deptInfo,
  attach(model, task, config, rng): AttachedMethod {
    const d = model.shape.hidden;
    const s = task.seqLen;
    const { m, r } = deptPlan(model.shape, s, config);
    if (m + r === 0) throw new Error(`DePT with m=0 and r=0 (budget ${config.budget} at s=${s}, d=${d}) has nothing to train`);
    const vars: DeptVariables = {
      prompt: m > 0 ? ownedVariable(initialPromptRows(model, m, config.init, rng.fork('prompt-init')), true, 'dept/prompt_embeddings') : null,
      a: r > 0 ? ownedVariable(initialA(s, r, rng.fork('dept-lowrank-init')), true, 'dept/lora_embedding_A') : null,
      b: r > 0 ? ownedVariable(tf.zeros([r, d]), true, 'dept/lora_embedding_B') : null,
    };
    const groups: ParamGroup[] = [
      // "prompt" is PT's group: a PT-vs-DePT comparison uses the same prompt learning rate.
      { name: 'prompt', variables: vars.prompt ? [vars.prompt] : [] },
      { name: 'lowrank', variables: vars.a && vars.b ? [vars.a, vars.b] : [] },
    ];
    const hostOrEmpty = async (v: tf.Variable | null, shape: number[]): Promise<HostTensor> =>
      v ? toHost(v) : { dtype: 'F32', shape, data: new Float32Array(0) };
    return {
      hooks: { prefixLength: m, inputEmbeddings: (tokenEmbeds) => applyDept(tokenEmbeds, vars, s) },
      paramGroups: groups.filter((g) => g.variables.length > 0),
      async saveAdapter() {
        return {
          // The authors' PromptTuningLoRAConfig fields, so their code can read the file. Their
          // forward adds (lora_alpha/√r)·A·B; ours adds A·B, so lora_alpha = √r makes it 1.
          config: {
            peft_type: 'PROMPT_TUNING_LORA',
            task_type: peftTaskType(task.kind),
            num_virtual_tokens: m,
            token_dim: d,
            hidden_size: d,
            num_transformer_submodules: 1,
            num_attention_heads: model.shape.heads,
            num_layers: model.shape.stacks[model.shape.promptStack],
            r,
            lora_alpha: Math.sqrt(r),
            max_length: s,
            prompt_tuning_init: config.init === 'vocab' ? 'SAMPLE_VOCAB' : 'RANDOM',
            save_lora_embeddings: true,
            inference_mode: true,
          },
          // Empty tensors (m = 0 or r = 0) are still written: their loader expects all three names.
          tensors: new Map([
            [DEPT_TENSORS.prompt, await hostOrEmpty(vars.prompt, [0, d])],
            [DEPT_TENSORS.a, await hostOrEmpty(vars.a, [s, 0])],
            [DEPT_TENSORS.b, await hostOrEmpty(vars.b, [0, d])],
          ]),
        };
      },
      loadAdapter(files) {
        checkInputLength(files.tensors, s);
        rejectUnknown(files.tensors, new Set(Object.values(DEPT_TENSORS)));
        const prompt = expectTensor(files.tensors, DEPT_TENSORS.prompt, [m, d]);
        const a = expectTensor(files.tensors, DEPT_TENSORS.a, [s, r]);
        const b = expectTensor(files.tensors, DEPT_TENSORS.b, [r, d]);
        const assignments: Array<[tf.Variable, Float32Array]> = [];
        if (vars.prompt) assignments.push([vars.prompt, prompt]);
        if (vars.a && vars.b) assignments.push([vars.a, a], [vars.b, b]);
        assignAll(assignments);
      },
      dispose() {
        for (const v of [vars.prompt, vars.a, vars.b]) v?.dispose();
      },
    };
  },
};
