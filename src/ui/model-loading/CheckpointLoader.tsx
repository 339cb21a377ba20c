import { useId, useRef, useState } from 'react';
import { modelRefText, parseModelRef } from '../../engine/io/model-ref';
import { loadLocalFiles } from './model-load-client';
import { grantHostConsent, pageDetailsHost } from './host-consent';
import { filesFromPicker } from './dropped-files';
import { isLoading, useModelLoadStore } from './model-load-store';
import { fetchModelPreview } from './model-preview';

/**
 * Other checkpoints: a hub repo id ("openai-community/gpt2", "org/name@revision") or an http(s)
 * folder URL, shown first (size, host, memory) and downloaded on a click; or files from this
 * computer (a folder in the Hugging Face layout), loaded at once. Showing a URL typed here is
 * consent to read its details from its host (a link's URL asks first: host-consent.ts).
 * A reference is chosen only once its details were read: one that fails (a typo, offline, a
 * private repo) leaves the experiment's model as it was, and its one error shows here until
 * the text is edited.
 */
export function CheckpointLoader({ onChoose, disabled }: { onChoose: (model: string) => void; disabled: boolean }) {
  const id = useId();
  const [text, setText] = useState('');
  // What is typed now, for an answer that arrives after an edit.
  const typedNow = useRef('');
  const [problem, setProblem] = useState<{ text: string; fromHost: boolean } | null>(null);
  const [reading, setReading] = useState<string | null>(null);
  const busy = useModelLoadStore(isLoading);
  const choose = () => {
    let model: string;
    try {
      model = modelRefText(parseModelRef(text));
    } catch (error) {
      setProblem({ text: error instanceof Error ? error.message : String(error), fromHost: false });
      return;
    }
    setProblem(null);
    // A URL the reader typed and asked to see is theirs to contact: no second question.
    const host = pageDetailsHost(model);
    if (host) grantHostConsent(host.origin);
    setReading(model);
    const typed = text;
    fetchModelPreview(model).then(
      () => {
        setReading(null);
        onChoose(model);
      },
      (error: unknown) => {
        setReading(null);
        // Edited meanwhile: the answer is about a reference no longer typed.
        if (typedNow.current === typed) setProblem({ text: `Cannot use ${model}: ${error instanceof Error ? error.message : String(error)}`, fromHost: true });
      },
    );
  };
  const pickFiles = (list: FileList | null) => {
    if (list && list.length > 0) void loadLocalFiles(filesFromPicker(list));
  };
  return (
    <div className="checkpoint-loader">
      <div className="field">
        <label htmlFor={id}>Hugging Face repo id or folder URL</label>
        <div className="inline">
          <input
            id={id}
            type="text"
            placeholder="openai-community/gpt2"
            value={text}
            disabled={disabled}
            data-testid="model-ref-input"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-error` : undefined}
            onChange={(event) => {
              setText(event.target.value);
              typedNow.current = event.target.value;
              // A new reference: the old one's error no longer applies.
              setProblem(null);
            }}
            onKeyDown={(event) => event.key === 'Enter' && choose()}
          />
          <button type="button" disabled={disabled || text.trim() === '' || reading !== null} onClick={choose} data-testid="model-ref-show">
            Show
          </button>
        </div>
        {reading && (
          <p className="hint" role="status">
            Reading {reading}’s config.json…
          </p>
        )}
        {problem && (
          <p className="field-error" role="alert" id={`${id}-error`} data-testid={problem.fromHost ? 'model-preview-error' : undefined}>
            {problem.text}
          </p>
        )}
      </div>
      <div className="field">
        <p>Or from this computer (config.json, model.safetensors, tokenizer.json…):</p>
        <label>
          a folder{' '}
          {/* webkitdirectory: every browser's folder picker, though not in React's types. */}
          <input type="file" {...{ webkitdirectory: '' }} disabled={disabled || busy} data-testid="model-folder-input" onChange={(event) => (pickFiles(event.target.files), (event.target.value = ''))} />
        </label>
        <label>
          or files{' '}
          <input type="file" multiple disabled={disabled || busy} data-testid="model-files-input" onChange={(event) => (pickFiles(event.target.files), (event.target.value = ''))} />
        </label>
      </div>
    </div>
  );
}
