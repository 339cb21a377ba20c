/** Browser-side checks and benchmarks for apt, called from Playwright through window.lab.apt. */
export const aptLab = {};
