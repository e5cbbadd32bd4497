"""testrelay from Python through its C ABI (the shared library) with ctypes.

A sketch of what any language with a C FFI does: load libtestrelay, declare
the few functions it calls (their C declarations are in include/testrelay.h),
pass NUL-terminated UTF-8 in, and read the JSON the library returns in
`tr_string`s, freeing each once. No build step and no dependency beyond the
standard library.

    from testrelay_ctypes import Reporter, History
    with Reporter({"provider": "local", "output_dir": "results"}) as r:
        r.record("adds", "passed", classname="math", duration_seconds=0.002)
        summary = r.finish()
"""

import ctypes
import ctypes.util
import json
import os

# tr_status codes other than TR_OK (0) raise TestrelayError.
TR_OK = 0
# tr_case_status values, by the names the reports use.
CASE_STATUS = {"passed": 0, "failed": 1, "error": 2, "skipped": 3, "flaky": 4}


class TestrelayError(Exception):
    """A tr_* call failed: `status` is its tr_status code, the text is
    tr_last_error_message()."""

    def __init__(self, call, status, message):
        super().__init__(f"{call} failed ({status}): {message}")
        self.status = status


class _Case(ctypes.Structure):
    # struct tr_case, field for field.
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("classname", ctypes.c_char_p),
        ("suite", ctypes.c_char_p),
        ("file", ctypes.c_char_p),
        ("line", ctypes.c_uint32),
        ("status", ctypes.c_int),
        ("duration_seconds", ctypes.c_double),
        ("message", ctypes.c_char_p),
        ("details", ctypes.c_char_p),
        ("stdout_text", ctypes.c_char_p),
        ("stderr_text", ctypes.c_char_p),
    ]


def load(path=None):
    """Loads the shared library: `path`, else $TESTRELAY_LIBRARY, else the
    system's search (ctypes.util.find_library("testrelay")). Raises OSError
    when none is found."""
    path = path or os.environ.get("TESTRELAY_LIBRARY") or ctypes.util.find_library("testrelay")
    if not path:
        raise OSError("libtestrelay not found: set TESTRELAY_LIBRARY to its path")
    lib = ctypes.CDLL(path)
    handle = ctypes.c_void_p
    out = ctypes.POINTER(ctypes.c_void_p)
    text = ctypes.c_char_p
    for name, args, result in [
        ("tr_version", [], text),
        ("tr_last_error_message", [ctypes.c_char_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_size_t)], ctypes.c_int),
        ("tr_string_ptr", [handle], ctypes.c_void_p),
        ("tr_string_len", [handle], ctypes.c_size_t),
        ("tr_string_free", [handle], None),
        ("tr_reporter_new", [text, out], ctypes.c_int),
        ("tr_reporter_record_case", [handle, ctypes.POINTER(_Case)], ctypes.c_int),
        ("tr_reporter_record_metric", [handle, text, ctypes.c_double, text, text], ctypes.c_int),
        ("tr_reporter_finish", [handle, ctypes.c_uint32, out], ctypes.c_int),
        ("tr_reporter_free", [handle], None),
        ("tr_history_open", [text, out], ctypes.c_int),
        ("tr_history_runs", [handle, text, out], ctypes.c_int),
        ("tr_history_cases", [handle, text, out], ctypes.c_int),
        ("tr_history_free", [handle], None),
    ]:
        function = getattr(lib, name)
        function.argtypes = args
        function.restype = result
    return lib


class _Library:
    def __init__(self, lib):
        self.lib = lib

    def check(self, call, status):
        if status != TR_OK:
            needed = ctypes.c_size_t(0)
            self.lib.tr_last_error_message(None, 0, ctypes.byref(needed))
            buf = ctypes.create_string_buffer(max(needed.value, 1))
            self.lib.tr_last_error_message(buf, len(buf), None)
            raise TestrelayError(call, status, buf.value.decode("utf-8"))

    def take_json(self, string):
        """Decodes a tr_string's JSON and frees the string."""
        try:
            data = ctypes.string_at(self.lib.tr_string_ptr(string), self.lib.tr_string_len(string))
            return json.loads(data.decode("utf-8"))
        finally:
            self.lib.tr_string_free(string)


def _utf8(value):
    return None if value is None else str(value).encode("utf-8")


class Reporter:
    """One test run (tr_reporter). `config` is the configuration as a dict
    (the keys of docs/configuration.md). Use as a context
    manager, or call close(); finish() ends the run and returns the summary."""

    def __init__(self, config, lib=None):
        self._lib = _Library(lib or load())
        self._handle = ctypes.c_void_p()
        self._lib.check(
            "tr_reporter_new",
            self._lib.lib.tr_reporter_new(_utf8(json.dumps(config)), ctypes.byref(self._handle)),
        )

    def record(self, name, status, classname=None, suite=None, file=None, line=0,
               duration_seconds=0.0, message=None, details=None):
        """Records one case; `status` is one of CASE_STATUS's names."""
        case = _Case(
            name=_utf8(name), classname=_utf8(classname), suite=_utf8(suite), file=_utf8(file),
            line=line, status=CASE_STATUS[status], duration_seconds=duration_seconds,
            message=_utf8(message), details=_utf8(details),
        )
        self._lib.check("tr_reporter_record_case", self._lib.lib.tr_reporter_record_case(self._handle, ctypes.byref(case)))

    def metric(self, name, value, unit=None, test_id=None):
        """Records a metric of the run (or of the test `test_id`)."""
        self._lib.check(
            "tr_reporter_record_metric",
            self._lib.lib.tr_reporter_record_metric(self._handle, _utf8(name), value, _utf8(unit), _utf8(test_id)),
        )

    def finish(self, timeout_ms=60000):
        """Ends the run (reports, history, CI delivery) and returns its
        summary as a dict."""
        summary = ctypes.c_void_p()
        self._lib.check(
            "tr_reporter_finish",
            self._lib.lib.tr_reporter_finish(self._handle, timeout_ms, ctypes.byref(summary)),
        )
        return self._lib.take_json(summary)

    def close(self):
        """Frees the reporter (after finish(), or abandoning the run)."""
        if self._handle:
            self._lib.lib.tr_reporter_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class History:
    """An open history file (tr_history): runs() and cases() answer what the
    C functions do, as Python values."""

    def __init__(self, path, lib=None):
        self._lib = _Library(lib or load())
        self._handle = ctypes.c_void_p()
        self._lib.check("tr_history_open", self._lib.lib.tr_history_open(_utf8(path), ctypes.byref(self._handle)))

    def runs(self, **filters):
        """The runs, newest first; filters: limit, branch, commit_sha,
        provider, since_ms, until_ms."""
        out = ctypes.c_void_p()
        query = _utf8(json.dumps(filters)) if filters else None
        self._lib.check("tr_history_runs", self._lib.lib.tr_history_runs(self._handle, query, ctypes.byref(out)))
        return self._lib.take_json(out)

    def cases(self, run_key):
        """The cases of the run `run_key`, in recorded order."""
        out = ctypes.c_void_p()
        self._lib.check("tr_history_cases", self._lib.lib.tr_history_cases(self._handle, _utf8(run_key), ctypes.byref(out)))
        return self._lib.take_json(out)

    def close(self):
        """Closes the history file."""
        if self._handle:
            self._lib.lib.tr_history_free(self._handle)
            self._handle = ctypes.c_void_p()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
