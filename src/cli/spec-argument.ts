import { readFile } from 'node:fs/promises';
import { parseExperimentSpec, type ExperimentSpec } from '../engine/experiment/spec';
import { specFromLinkOrJson } from '../engine/experiment/link';
import { UsageError } from './args';

/**
 * An experiment from the command line: a spec file (`*.json`) or a playground link (or its
 * `#…` part). A link's notices (bad keys replaced by defaults) are printed, not swallowed.
 */
export async function readSpecArgument(input: string, print: (value: unknown) => void): Promise<ExperimentSpec> {
  if (/^[^#]*\.json$/i.test(input)) {
    let text: string;
    try {
      text = await readFile(input, 'utf8');
    } catch {
      throw new UsageError(`cannot read spec file "${input}"`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${input} is not valid JSON (${(error as Error).message})`);
    }
    return parseExperimentSpec(json);
  }
  const parsed = specFromLinkOrJson(input);
  for (const notice of parsed.notices) print({ type: 'notice', message: notice });
  return parsed.spec;
}
