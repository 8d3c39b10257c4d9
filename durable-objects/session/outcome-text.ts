import type { SessionEvent } from "./types";

/** How outcome events read to the agent: the task when defined, the grader's feedback when it asks for more. */
export function outcomeText(event: SessionEvent): string | null {
  if (event.type === "user.define_outcome") {
    const rubric = event.rubric.type === "text" ? event.rubric.content : `(rubric file ${event.rubric.file_id})`;
    return `Produce this outcome: ${event.description}\n\nYour work will be graded against this rubric:\n${rubric}`;
  }
  if (event.type === "span.outcome_evaluation_end" && (event.result === "needs_revision" || event.result === "max_iterations_reached")) {
    return event.result === "needs_revision"
      ? `The grader says the outcome is not met yet: ${event.explanation}\nRevise your work.`
      : `The grader says the outcome is still not met, and no more revisions will be graded: ${event.explanation}\nAcknowledge where things stand.`;
  }
  return null;
}
