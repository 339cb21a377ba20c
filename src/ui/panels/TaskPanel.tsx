import { TASKS, taskById, isTaskId } from '../../engine/data/tasks';
import { SelectField } from '../components/SelectField';
import { useAppStore } from '../store';

export function TaskPanel({ disabled }: { disabled: boolean }) {
  const spec = useAppStore((s) => s.spec);
  const setSpec = useAppStore((s) => s.setSpec);
  const known = isTaskId(spec.task);
  return (
    <section className="panel" aria-labelledby="task-heading">
      <h2 id="task-heading">Task</h2>
      <SelectField
        label="Task and dataset"
        value={spec.task}
        choices={TASKS.map((t) => ({ value: t.id, label: t.title }))}
        disabled={disabled}
        onChange={(value) => setSpec({ ...spec, task: value })}
      />
      <p className="hint">{known ? `${taskById(spec.task).description} Reported: ${taskById(spec.task).metric}.` : `Unknown task "${spec.task}".`}</p>
    </section>
  );
}
