"""The slice of the wallaroo SDK that orchestration code uses to learn about its task, served by joey.

    import wallaroo
    wl = wallaroo.Client()
    if wl.in_task():              # or wallaroo.in_task()
        args = wl.task_args()     # or wallaroo.task_args()

Only in_task() and task_args() exist here; other SDK calls raise NotImplementedError with a pointer to
joey's HTTP API (JOEY_ENGINE_URL, when the task runs under `joey server`).
"""
from joey_task import in_task, task_args

__all__ = ["Client", "in_task", "task_args"]


class Client:
    """Accepts and ignores the SDK's constructor arguments (auth_type is ignored inside tasks too)."""

    def __init__(self, *args, **kwargs):
        pass

    def in_task(self):
        return in_task()

    def task_args(self):
        return task_args()

    def __getattr__(self, name):
        raise NotImplementedError(
            f"wallaroo.Client.{name} is not provided by joey's task runtime; only in_task() and task_args() are. "
            "Call the engine's HTTP API (JOEY_ENGINE_URL) for anything else."
        )
