/** Browser-side checks and benchmarks for dept, called from Playwright through window.lab.dept. */
export const deptLab = {};
