import { readFileSync } from 'node:fs';
import type { HubFile } from '../../e2e/hub-server';

/** The built-in tiny-gpt2 checkpoint's files, as a hub repo serves them. */
export function tinyGpt2Files(): Record<string, HubFile> {
  const read = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../public/models/tiny-gpt2/${name}`, import.meta.url)));
  return {
    'config.json': read('config.json'),
    'model.safetensors': read('model.safetensors'),
    'tokenizer.json': read('tokenizer.json'),
    'tokenizer_config.json': read('tokenizer_config.json'),
  };
}

/** Byte equality without vitest's element-by-element diff machinery (slow on megabytes). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
