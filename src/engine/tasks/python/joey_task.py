"""Task runtime helpers for orchestration code run by joey.

joey runs an orchestration's main.py with this folder on PYTHONPATH and these variables set:
  JOEY_TASK_ARGS       the task's JSON args (a JSON object)
  JOEY_TASK_ARGS_FILE  path of a file holding the same JSON
  JOEY_TASK_ID, JOEY_TASK_RUN_ID, TASK_ID, ORCH_SHA
Outside a task none of them is set, so in_task() is False and task_args() is {}.
"""
import json
import os


def in_task():
    """True when the code runs inside an orchestration task."""
    return bool(os.environ.get("JOEY_TASK_RUN_ID"))


def task_args():
    """The dict of invocation-specific arguments given to the task (its `args` / `json`)."""
    path = os.environ.get("JOEY_TASK_ARGS_FILE")
    if path and os.path.exists(path):
        with open(path, "r", encoding="utf-8") as f:
            return json.load(f)
    raw = os.environ.get("JOEY_TASK_ARGS")
    return json.loads(raw) if raw else {}
