"""Nightly fraud report.

Reads its arguments the platform's way (wallaroo.in_task() / task_args()) when the wallaroo SDK is present,
else from the JOEY_TASK_ARGS environment variable (a JSON object) that joey's task runner sets.
If `logs_file` is given (pandas-records JSON of inference logs, with `out.dense_1`), it counts the rows whose
fraud score is above `threshold`; it always prints one JSON report line on stdout.
"""
import json
import os
import sys
from datetime import datetime, timezone


def task_args():
    try:
        import wallaroo  # the platform SDK, when running on the platform

        wl = wallaroo.Client()
        if wl.in_task():
            return wl.task_args()
    except ImportError:
        pass
    return json.loads(os.environ.get("JOEY_TASK_ARGS") or "{}")


def score(row):
    value = row.get("out.dense_1", row.get("out", {}).get("dense_1") if isinstance(row.get("out"), dict) else None)
    if isinstance(value, list):
        value = value[0] if value else None
    return value


def main():
    args = task_args()
    threshold = float(args.get("threshold", 0.9))
    report = {
        "time": datetime.now(timezone.utc).isoformat(),
        "workspace": args.get("workspace"),
        "pipeline": args.get("pipeline"),
        "threshold": threshold,
    }
    logs_file = args.get("logs_file")
    if logs_file:
        with open(logs_file) as f:
            rows = json.load(f)
        scores = [s for s in (score(r) for r in rows) if isinstance(s, (int, float))]
        report["rows"] = len(scores)
        report["high_fraud"] = sum(1 for s in scores if s > threshold)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
