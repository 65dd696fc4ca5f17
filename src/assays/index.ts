export * from './types.js';
export { prepare, basicStats, sortFloat64, lowerBound, upperBound } from './stats.js';
export { quantileEdges, equalEdges, providedEdges, baselineEdges, countBins, edgeName } from './binning.js';
export { aggregate, psiTerm, score, statusOf, normalizeWeights, checkThresholds } from './metrics.js';
export { summarizeBaseline, summarizeWindow } from './summarize.js';
export { computeAssay, scoreWindow, summarizerConfig, type ComputeOptions } from './compute.js';
export { readValuesFile, columnValues, type ReadOptions } from './read-values.js';
export { parseIoPath, type IoPath } from './iopath.js';
