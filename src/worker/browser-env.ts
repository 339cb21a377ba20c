import { urlSource, type FileSource } from '../engine/io/file-source';
import type { RunnerEnv } from '../engine/experiment/runner';

/** A built-in model id names a folder under public/models/ (e.g. "tiny-gpt2"). */
const BUILT_IN_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const DATA_FILE = /^[\w.-]+\.json$/;

/**
 * The runner's view of the web: built-in checkpoints and datasets are files below the app's
 * base URL; a spec may also name an http(s) URL of a Hugging Face–layout checkpoint. Anything
 * else (a local path, javascript:, data:) is refused: a spec can come from an untrusted link.
 */
export function browserRunnerEnv(assetBase: string): RunnerEnv {
  return {
    modelSource(model: string): FileSource {
      if (BUILT_IN_ID.test(model)) return urlSource(new URL(`models/${model}/`, assetBase).href);
      let url: URL;
      try {
        url = new URL(model);
      } catch {
        throw new Error(`model "${model}" is neither a built-in model id nor a URL`);
      }
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`model URL must be http(s), got ${url.protocol}`);
      return urlSource(url.href);
    },
    async readDataFile(file: string): Promise<unknown> {
      if (!DATA_FILE.test(file)) throw new Error(`bad dataset file name "${file}"`);
      const url = new URL(`data/${file}`, assetBase).href;
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url} failed: HTTP ${response.status}`);
      return response.json();
    },
  };
}
