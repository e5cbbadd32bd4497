"""A Python harness reporting through testrelay's C ABI (testrelay_ctypes):
runs three checks, records each with its time, ends the run, then asks the
history for the last runs and this run's cases.

    TESTRELAY_LIBRARY=/opt/testrelay/lib/libtestrelay.so python3 example.py [OUTPUT_DIR]

The reports and the history go to OUTPUT_DIR (default: testrelay-results).
"""

import sys
import time
import traceback

from testrelay_ctypes import History, Reporter


def check_addition():
    assert 1 + 1 == 2


def check_division():
    assert 1 / 4 == 0.25


def check_rounding():
    assert round(2.675, 2) == 2.68, "binary floating point rounds 2.675 down"


def main(output_dir="testrelay-results"):
    history_path = f"{output_dir}/history.db"
    config = {"provider": "local", "output_dir": output_dir, "history_path": history_path}
    with Reporter(config) as reporter:
        for check in (check_addition, check_division, check_rounding):
            started = time.perf_counter()
            try:
                check()
                status, message, details = "passed", None, None
            except AssertionError as e:
                status, message, details = "failed", str(e), traceback.format_exc()
            reporter.record(check.__name__, status, classname="example", file=__file__,
                            duration_seconds=time.perf_counter() - started,
                            message=message, details=details)
        summary = reporter.finish()
    result = summary["result"]
    print(f"run {result['test_run_id']}: {result['status']}, {result['passed_tests']} passed, "
          f"{result['failed_tests']} failed")
    with History(history_path) as history:
        for run in history.runs(limit=3):
            print(f"history: {run['run']['run_key']} {run['counts']}")
        for case in history.cases(result["test_run_id"]):
            print(f"case: {case['name']} {case['status']}")
    return 1 if result["failed_tests"] else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
