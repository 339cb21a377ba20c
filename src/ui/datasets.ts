import { parseDataset, type ClassifyDataset } from '../engine/data/datasets';
import { parseImageDataset, type ImageDataset } from '../engine/data/images';
import { browserRunnerEnv } from '../worker/browser-env';
import { assetBase, useLoaded, type Loaded } from './model-info';

/**
 * The task files the page shows examples from (the few-shot images, the first validation
 * e-mails), read and validated once per file with the engine's own parsers, so the page shows
 * exactly the examples the runner trains and evaluates on.
 */

const imageCache = new Map<string, Promise<ImageDataset>>();
const classifyCache = new Map<string, Promise<ClassifyDataset>>();

const datasetId = (file: string) => file.replace(/\.json$/, '');

function imageDatasetFor(file: string): Promise<ImageDataset> {
  let promise = imageCache.get(file);
  if (!promise) {
    promise = browserRunnerEnv(assetBase())
      .readDataFile(file)
      .then((json) => parseImageDataset(json, datasetId(file)));
    imageCache.set(file, promise);
  }
  return promise;
}

function classifyDatasetFor(file: string): Promise<ClassifyDataset> {
  let promise = classifyCache.get(file);
  if (!promise) {
    promise = browserRunnerEnv(assetBase())
      .readDataFile(file)
      .then((json) => {
        const dataset = parseDataset(json, datasetId(file));
        if (dataset.kind !== 'classify') throw new Error(`${file} holds a "${dataset.kind}" dataset, not a classification one`);
        return dataset;
      });
    classifyCache.set(file, promise);
  }
  return promise;
}

export function useImageDataset(file: string): Loaded<ImageDataset> {
  return useLoaded(file, imageDatasetFor);
}

export function useClassifyDataset(file: string): Loaded<ClassifyDataset> {
  return useLoaded(file, classifyDatasetFor);
}
