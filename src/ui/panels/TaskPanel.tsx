import { useState } from 'react';
import { TASKS, taskById, isTaskId, tasksForFamily, type TaskInfo } from '../../engine/data/tasks';
import { labelWords } from '../../engine/data/seq2seq';
import type { ModelFamily } from '../../engine/models/hooks';
import { SelectField } from '../components/SelectField';
import { useClassifyDataset } from '../datasets';
import { useModelShape } from '../model-info';
import { builtInFamily } from '../model-switch';
import { useAppStore } from '../store';
import { ContinualSettingsPanel } from '../continual/ContinualSettingsPanel';
import { switchTask } from '../continual/stream-switch';

/** How T5 poses a classification task: the prefix it reads and the label words it writes. */
function TextToTextLine({ task }: { task: TaskInfo }) {
  const dataset = useClassifyDataset(task.datasetFile);
  const words = dataset.state === 'ready' ? labelWords(dataset.value.labels) : null;
  return (
    <p className="hint" data-testid="task-posing">
      Posed text-to-text: the encoder reads “{task.textToTextPrefix}&lt;text&gt;” and the decoder writes the label as a word
      {words ? ` (${words.map((w) => `“${w}”`).join(' or ')})` : ''}. Accuracy counts exact matches of the whole answer.
    </p>
  );
}

export function TaskPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const methodsBeforeStream = useAppStore((s) => s.methodsBeforeStream);
  const setSpecAndMethodStash = useAppStore((s) => s.setSpecAndMethodStash);
  const model = useModelShape(spec.model);
  // What the last task switch changed besides the task (a task stream trains one method).
  const [changes, setChanges] = useState<string[]>([]);
  // A built-in model's family is known at once; another checkpoint's once its config is read.
  const family: ModelFamily | null = builtInFamily(spec.model) ?? (model.state === 'ready' ? model.value.model.family : null);
  const known = isTaskId(spec.task);
  const task = known ? taskById(spec.task) : null;
  const offered: readonly TaskInfo[] = family ? tasksForFamily(family) : TASKS;
  const choices = offered.map((t) => ({ value: t.id, label: t.title }));
  // A task the model cannot pose (from a link or an edit elsewhere) stays visible, marked.
  if (!offered.some((t) => t.id === spec.task)) choices.push({ value: spec.task, label: task ? `${task.title} (not for this model)` : spec.task });
  const choose = (id: string) => {
    const switched = switchTask(spec, id, methodsBeforeStream);
    setChanges(switched.changes);
    setSpecAndMethodStash(switched.spec, switched.methodsBeforeStream);
  };
  return (
    <>
      <section className="panel" aria-labelledby="task-heading">
        <h2 id="task-heading">Task</h2>
        <SelectField label="Task and dataset" value={spec.task} choices={choices} disabled={disabled} onChange={choose} />
        <p className="hint">{task ? `${task.description} Reported: ${task.metric}.` : `Unknown task "${spec.task}".`}</p>
        {task?.shotsPerClass !== undefined && (
          <p className="hint" data-testid="task-posing">
            Few-shot: k = {task.shotsPerClass} training images per class, drawn by the seed ({spec.seed}); evaluated on held-out test images.
          </p>
        )}
        {task && family === 't5' && task.textToTextPrefix !== undefined && <TextToTextLine task={task} />}
        {changes.length > 0 && (
          <div className="callout model-switch" role="status" data-testid="task-switch-notice">
            <ul>
              {changes.map((change) => (
                <li key={change}>{change}</li>
              ))}
            </ul>
            <button type="button" className="small" onClick={() => setChanges([])}>
              OK
            </button>
          </div>
        )}
      </section>
      {task?.stream !== undefined && <ContinualSettingsPanel disabled={disabled} />}
    </>
  );
}
