import type { TaskQueue } from '../../../storage/queue.js';

/** The rule-pack hits traced on a task, in order (what /task shows). */
export function ruleHits(queue: TaskQueue, taskId: number): Array<Record<string, unknown> | null | undefined> {
  return queue
    .events(taskId)
    .filter((event) => event.type === 'rule-hit')
    .map((event) => event.data);
}
