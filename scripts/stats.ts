// Moved to the engine (the browser benchmarks use it too); kept for scripts importing it here.
export * from '../src/engine/bench/stats';
