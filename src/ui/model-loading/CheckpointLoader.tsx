import { useId, useState } from 'react';
import { modelRefText, parseModelRef } from '../../engine/io/model-ref';
import { loadLocalFiles } from './model-load-client';
import { grantHostConsent, pageDetailsHost } from './host-consent';
import { filesFromPicker } from './dropped-files';
import { isLoading, useModelLoadStore } from './model-load-store';

/**
 * Other checkpoints: a hub repo id ("openai-community/gpt2", "org/name@revision") or an http(s)
 * folder URL, shown first (size, host, memory) and downloaded on a click; or files from this
 * computer (a folder in the Hugging Face layout), loaded at once. Showing a URL typed here is
 * consent to read its details from its host (a link's URL asks first: host-consent.ts).
 */
export function CheckpointLoader({ onChoose, disabled }: { onChoose: (model: string) => void; disabled: boolean }) {
  const id = useId();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const busy = useModelLoadStore(isLoading);
  const choose = () => {
    try {
      const model = modelRefText(parseModelRef(text));
      setProblem(null);
      // A URL the reader typed and asked to see is theirs to contact: no second question.
      const host = pageDetailsHost(model);
      if (host) grantHostConsent(host.origin);
      onChoose(model);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
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
            onChange={(event) => setText(event.target.value)}
            onKeyDown={(event) => event.key === 'Enter' && choose()}
          />
          <button type="button" disabled={disabled || text.trim() === ''} onClick={choose} data-testid="model-ref-show">
            Show
          </button>
        </div>
        {problem && (
          <p className="field-error" role="alert">
            {problem}
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
