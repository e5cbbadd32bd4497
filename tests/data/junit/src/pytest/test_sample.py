"""Sample tests covering the outcomes pytest writes to JUnit XML.

Run by ../../generate.sh; the reports are committed as pytest wrote them.
"""

import sys

import pytest


def test_passes():
    assert 1 + 1 == 2


def test_fails_with_assertion():
    expected = 5
    assert 2 + 2 == expected, "sums differ"


@pytest.fixture
def broken_resource():
    raise RuntimeError("database is not reachable")


def test_errors_in_fixture(broken_resource):
    assert broken_resource


@pytest.mark.skip(reason="not supported on this platform")
def test_skipped():
    assert False


@pytest.mark.xfail(reason="known bug #42")
def test_expected_failure():
    assert 1 == 2


def test_prints_control_and_unicode():
    print("bell:\x07 escape:\x1b[31mred\x1b[0m unicode: héllo ✓ 日本")
    print("to stderr: <tag> & 'quotes'", file=sys.stderr)


@pytest.mark.parametrize("value,square", [(2, 4), (3, 9), (4, 15)])
def test_square(value, square):
    assert value * value == square


def test_records_property(record_property, record_testsuite_property):
    record_property("build_flavor", "debug")
    record_property("retries", 3)
    record_testsuite_property("ci_job", "fixture-generation")
