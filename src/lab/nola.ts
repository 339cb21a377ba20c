/** Browser-side checks and benchmarks for nola, called from Playwright through window.lab.nola. */
export const nolaLab = {};
