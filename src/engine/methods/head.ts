import type { MethodDefinition } from './types';
import { headInfo, type HeadConfig } from './head-info';

export * from './head-info';

/** Head only attaches nothing of its own: the task head it trains is the task's (trainsLmHead unties the LM head). */
export const headMethod: MethodDefinition<HeadConfig> = {
  ...headInfo,
  attach() {
    return {
      hooks: {},
      paramGroups: [],
      trainsLmHead: true,
      async saveAdapter() {
        return { config: { peft_type: 'HEAD' }, tensors: new Map() };
      },
      loadAdapter() {
        // The head's tensors are saved and loaded with the task head.
      },
      dispose() {},
    };
  },
};
