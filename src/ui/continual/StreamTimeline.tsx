import type { StreamInfo } from '../../engine/continual/events';

export type TimelineTaskState = 'done' | 'training' | 'waiting';

interface StreamTimelineProps {
  stream: StreamInfo;
  /** Stream index of the task being trained now, or null. */
  trainingTask: number | null;
  /** Tasks every strategy has finished (they come first: tasks are learnt in order). */
  finishedTasks: number;
  /** What trains now, e.g. "Dynamic ConPET · LoRA: module batch 12 of 40"; null when nothing does. */
  activity: string | null;
}

function taskState(index: number, trainingTask: number | null, finishedTasks: number): TimelineTaskState {
  if (index === trainingTask) return 'training';
  return index < finishedTasks ? 'done' : 'waiting';
}

const STATE_TEXT: Record<TimelineTaskState, string> = { done: 'learnt', training: 'training now', waiting: 'to come' };

/** The stream as the strategies meet it: one box per task, in the (seeded) order they arrive. */
export function StreamTimeline({ stream, trainingTask, finishedTasks, activity }: StreamTimelineProps) {
  return (
    <div className="stream-timeline">
      <ol aria-label={`${stream.title}: tasks in the order they arrive`} data-testid="stream-timeline">
        {stream.tasks.map((task) => {
          const state = taskState(task.index, trainingTask, finishedTasks);
          return (
            <li
              key={task.index}
              className={`stream-task ${state}`}
              data-task={task.index}
              data-state={state}
              data-classes={task.classes.join(',')}
              aria-current={state === 'training' ? 'step' : undefined}
            >
              <strong>Task {task.index + 1}</strong>
              <span className="stream-task-name">{task.name}</span>
              {/* "digits 4, 5" already names its classes; "Gilded Age" does not. */}
              {!task.classes.every((c) => task.name.includes(c)) && <span className="stream-task-classes">{task.classes.join(' · ')}</span>}
              <span className="stream-task-state">{STATE_TEXT[state]}</span>
            </li>
          );
        })}
      </ol>
      <p className="hint" aria-live="polite" data-testid="stream-activity">
        {activity ?? (finishedTasks >= stream.tasks.length ? 'Every strategy has learnt the whole stream.' : '\u00a0')}
      </p>
    </div>
  );
}
