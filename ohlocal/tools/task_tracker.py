"""The `task_tracker` tool: a task list kept per conversation, in memory."""

from __future__ import annotations

from ohlocal.models.content import TextContent
from ohlocal.tools.models import TaskItem, TaskTrackerAction, TaskTrackerObservation

STATUS_ICONS = {"todo": "⏳", "in_progress": "🔄", "done": "✅"}


def format_tasks(tasks: list[TaskItem]) -> str:
    """The task list as the reference's `view` shows it."""
    parts = ["# Task List\n"]
    for number, task in enumerate(tasks, 1):
        entry = f"{number}. {STATUS_ICONS.get(task.status, '⏳')} {task.title}\n"
        if task.notes:
            entry += f"   {task.notes}\n"
        parts.append(entry)
    return "\n".join(parts).strip()


class TaskTracker:
    # GAP: the list lives in memory only; the reference also writes TASKS.json into the
    # conversation's persistence directory. Persisting it with the conversation closes this.
    def __init__(self) -> None:
        self._tasks: list[TaskItem] = []

    async def execute(self, action: TaskTrackerAction) -> TaskTrackerObservation:
        if action.command == "plan":
            self._tasks = list(action.task_list)
            text = f"Task list has been updated with {len(self._tasks)} item(s)."
        elif not self._tasks:
            text = 'No task list found. Use the "plan" command to create one.'
        else:
            text = format_tasks(self._tasks)
        return TaskTrackerObservation(
            content=[TextContent(text=text)], command=action.command, task_list=list(self._tasks)
        )
