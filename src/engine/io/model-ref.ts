/**
 * What a spec's `model` string names. Three kinds, decided in this order:
 *   - a built-in checkpoint id ("tiny-gpt2"): a folder under the app's public/models/;
 *   - an http(s) URL of a folder in the Hugging Face layout;
 *   - a Hugging Face hub repository, `name` or `org/name`, with an optional `@revision`.
 * A spec can come from an untrusted link, so the hub id is held to the hub's own rules
 * (huggingface_hub's validate_repo_id) and anything else is refused with the reason.
 */
import { BUILT_IN_MODEL_IDS } from '../experiment/built-in-models';

export type ModelRef =
  | { kind: 'built-in'; id: string }
  | { kind: 'url'; url: string }
  | { kind: 'hub'; repo: string; revision: string };

export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';
export const DEFAULT_HUB_REVISION = 'main';

export class ModelRefError extends Error {
  override name = 'ModelRefError';
}

/** Hub rule: word characters, `-` and `.`, starting and ending with a word character, ≤ 96. */
const REPO_PART = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,94}[A-Za-z0-9_])?$/;
/** Branch and tag names as git allows them in practice (refs/pr/1 included); commits are hex. */
const REVISION = /^[A-Za-z0-9_.\-/]{1,255}$/;

export function parseModelRef(text: string): ModelRef {
  const trimmed = text.trim();
  if (trimmed.length === 0) throw new ModelRefError('model is empty: give a built-in model id, a Hugging Face repo id (org/name) or an http(s) URL');
  if (BUILT_IN_MODEL_IDS.includes(trimmed)) return { kind: 'built-in', id: trimmed };
  if (/^[a-z][a-z0-9+.-]*:/i.test(trimmed)) return { kind: 'url', url: parseModelUrl(trimmed) };
  return parseHubRef(trimmed);
}

function parseModelUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ModelRefError(`model "${text}" is not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ModelRefError(`model "${text}": only http(s) URLs can name a checkpoint, got ${url.protocol}`);
  }
  if (url.username || url.password) throw new ModelRefError(`model "${text}": URLs with credentials are refused`);
  // Files are appended to the folder URL; a query or fragment would end up in the middle.
  if (url.search || url.hash) throw new ModelRefError(`model "${text}": a checkpoint URL names a folder; remove the query or fragment`);
  return url.href.replace(/\/+$/, '');
}

function parseHubRef(text: string): ModelRef {
  const at = text.indexOf('@');
  const repo = at < 0 ? text : text.slice(0, at);
  const revision = at < 0 ? DEFAULT_HUB_REVISION : text.slice(at + 1);
  const parts = repo.split('/');
  if (parts.length > 2) {
    throw new ModelRefError(`model "${text}" is neither a built-in model (${BUILT_IN_MODEL_IDS.join(', ')}), an http(s) URL, nor a Hugging Face repo id: a repo id is "name" or "org/name", with at most one "/"`);
  }
  for (const part of parts) {
    const what = parts.length === 2 && part === parts[0] ? 'organization' : 'name';
    if (part.length === 0) throw new ModelRefError(`model "${text}": the repo ${what} is empty`);
    if (part.length > 96) throw new ModelRefError(`model "${text}": the repo ${what} "${part.slice(0, 20)}…" is ${part.length} characters; the hub allows at most 96`);
    if (!REPO_PART.test(part)) {
      throw new ModelRefError(
        `model "${text}" is neither a built-in model (${BUILT_IN_MODEL_IDS.join(', ')}), an http(s) URL, nor a valid Hugging Face repo id: ` +
          `the repo ${what} "${part}" may only hold letters, digits, "-", "_" and ".", and must start and end with a letter, digit or "_"`,
      );
    }
    if (part.includes('--') || part.includes('..')) throw new ModelRefError(`model "${text}": the repo ${what} "${part}" must not contain "--" or ".."`);
  }
  if (repo.endsWith('.git')) throw new ModelRefError(`model "${text}": a repo id must not end with ".git"`);
  checkRevision(text, revision);
  return { kind: 'hub', repo, revision };
}

function checkRevision(text: string, revision: string): void {
  if (revision.length === 0) throw new ModelRefError(`model "${text}": the revision after "@" is empty (give a branch, a tag or a 40-character commit hash)`);
  if (/\s/.test(revision)) throw new ModelRefError(`model "${text}": the revision "${revision}" contains a space`);
  if (!REVISION.test(revision)) {
    throw new ModelRefError(`model "${text}": the revision "${revision}" may only hold letters, digits, "-", "_", "." and "/" (a branch, a tag or a 40-character commit hash)`);
  }
  const bad = revision.includes('..') || revision.includes('//') || revision.startsWith('/') || revision.endsWith('/') || revision.endsWith('.lock') || revision.startsWith('.');
  if (bad) throw new ModelRefError(`model "${text}": the revision "${revision}" is not a valid git ref (no "..", "//", leading "." or "/", trailing "/" or ".lock")`);
}

/** The text that parses back to `ref` (the default revision is left out). */
export function modelRefText(ref: ModelRef): string {
  switch (ref.kind) {
    case 'built-in':
      return ref.id;
    case 'url':
      return ref.url;
    case 'hub':
      return ref.revision === DEFAULT_HUB_REVISION ? ref.repo : `${ref.repo}@${ref.revision}`;
  }
}

/** A file of a hub repo at a revision, in the hub's own URL layout (what `hf_hub_url` builds). */
export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  return `${hubFolderUrl(endpoint, repo, revision)}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/** The folder that `hubFileUrl` appends file names to (no trailing slash). */
export function hubFolderUrl(endpoint: string, repo: string, revision: string): string {
  return `${endpoint.replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}`;
}

/** The folder URL a hub or URL reference downloads from; null for built-ins (served by the app). */
export function modelFolderUrl(ref: ModelRef, endpoint: string = DEFAULT_HUB_ENDPOINT): string | null {
  if (ref.kind === 'hub') return hubFolderUrl(endpoint, ref.repo, ref.revision);
  if (ref.kind === 'url') return ref.url;
  return null;
}

/**
 * The host a user must trust before the playground downloads from it ("huggingface.co");
 * null for a built-in model, which comes from the app's own origin.
 */
export function modelHost(ref: ModelRef, endpoint: string = DEFAULT_HUB_ENDPOINT): string | null {
  if (ref.kind === 'built-in') return null;
  return new URL(ref.kind === 'hub' ? endpoint : ref.url).host;
}
