import type { StepMemory } from '../engine/experiment/events';

/** The parts of a training step's peak, bottom to top, with the colours the stack uses. */
export const STEP_MEMORY_PARTS: ReadonlyArray<{ key: keyof Omit<StepMemory, 'keptActivations'>; label: string; colour: string; explains: string }> = [
  { key: 'weights', label: 'Frozen weights', colour: '#a1a1aa', explains: "the run's copy of the base model that does not train" },
  { key: 'trainable', label: 'Trainable parameters', colour: '#2563eb', explains: 'what the method trains (and the task head)' },
  { key: 'optimizer', label: 'Optimizer state', colour: '#7c3aed', explains: "Adam's two moments per trainable parameter" },
  { key: 'gradients', label: 'Gradients', colour: '#db2777', explains: 'one per trainable parameter, alive during the update' },
  { key: 'activations', label: 'Activations', colour: '#ea580c', explains: 'what the forward keeps for the backward, and the backward’s working tensors' },
];
