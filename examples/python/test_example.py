"""Tests of the ctypes example against a built libtestrelay (path in
$TESTRELAY_LIBRARY; its header in $TESTRELAY_HEADER, default the
repository's include/testrelay.h): version, record, finish, history
queries, errors.

    TESTRELAY_LIBRARY=.../lib/libtestrelay.so python3 -m unittest discover -s examples/python
"""

import os
import subprocess
import sys
import tempfile
import unittest

from testrelay_ctypes import History, Reporter, TestrelayError, load

HERE = os.path.dirname(os.path.abspath(__file__))


class CtypesReporterTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)
        self.history = os.path.join(self.dir.name, "history.db")
        self.config = {"provider": "local", "output_dir": self.dir.name, "history_path": self.history,
                       "test_run_id": "python-ctypes"}

    def test_version_is_the_header_version(self):
        path = os.environ.get("TESTRELAY_HEADER") or os.path.join(HERE, "..", "..", "include", "testrelay.h")
        with open(path, encoding="utf-8") as f:
            header = f.read()
        parts = [header.split(f"#define TR_VERSION_{part} ")[1].split("\n")[0] for part in ("MAJOR", "MINOR", "PATCH")]
        self.assertEqual(load().tr_version().decode(), ".".join(parts))

    def test_record_finish_and_query_the_history(self):
        with Reporter(self.config) as reporter:
            reporter.record("adds", "passed", classname="math", duration_seconds=0.002)
            reporter.record("divides", "failed", classname="math", message="expected 0.25 <got> 0")
            reporter.record("later", "skipped", classname="math")
            reporter.metric("frame_ms", 16.5, "ms")
            summary = reporter.finish()
        result = summary["result"]
        self.assertEqual(result["test_run_id"], "python-ctypes")
        self.assertEqual((result["total_tests"], result["passed_tests"], result["failed_tests"],
                          result["skipped_tests"]), (3, 1, 1, 1))
        self.assertEqual(result["status"], "failed")
        self.assertTrue(any(path.endswith(".xml") for path in summary["reports"]), summary["reports"])
        with History(self.history) as history:
            runs = history.runs()
            self.assertEqual([r["run"]["run_key"] for r in runs], ["python-ctypes"])
            self.assertEqual(runs[0]["counts"]["failed"], 1)
            cases = history.cases("python-ctypes")
            self.assertEqual([(c["name"], c["status"]) for c in cases],
                             [("adds", "passed"), ("divides", "failed"), ("later", "skipped")])
            self.assertEqual(cases[1]["message"], "expected 0.25 <got> 0")
            with self.assertRaises(TestrelayError) as missing:
                history.cases("no-such-run")
            self.assertEqual(missing.exception.status, 5)  # TR_NOT_FOUND

    def test_errors_carry_the_status_and_message(self):
        with self.assertRaises(TestrelayError) as bad:
            Reporter({"provider": "local", "no_such_key": 1})
        self.assertEqual(bad.exception.status, 2)  # TR_CONFIGURATION
        self.assertIn("no_such_key", str(bad.exception))
        with Reporter(self.config) as reporter:
            with self.assertRaises(KeyError):
                reporter.record("x", "exploded")
            reporter.finish()
            with self.assertRaises(TestrelayError) as late:
                reporter.record("after", "passed")
            self.assertEqual(late.exception.status, 1)  # TR_INVALID_ARGUMENT

    def test_example_script(self):
        out = subprocess.run([sys.executable, os.path.join(HERE, "example.py"), self.dir.name],
                             capture_output=True, text=True, timeout=120, cwd=self.dir.name)
        self.assertEqual(out.returncode, 1, out.stderr)  # check_rounding fails, as it should
        self.assertIn(": failed, 2 passed, 1 failed", out.stdout)
        self.assertIn("case: check_rounding failed", out.stdout)
        self.assertIn("history: ", out.stdout)


if __name__ == "__main__":
    unittest.main()
