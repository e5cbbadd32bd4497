"""Benchmarks that report their measurements as testrelay metrics.

pytest writes `record_property` on the <testcase> and
`record_testsuite_property` on the <testsuite>; testrelay reads numeric
properties named `metric.<name>` as metrics. The values are fixed (computed,
not timed), so the fixture is the same on every run.
"""

import pytest


@pytest.fixture(scope="session", autouse=True)
def build_metrics(record_testsuite_property):
    record_testsuite_property("metric.build_s", 84.25)
    record_testsuite_property("metric.binary_size_bytes", 1843200)


def test_search_latency(record_property):
    samples = [12.0, 12.5, 13.0]
    record_property("metric.latency_ms", sum(samples) / len(samples))
    record_property("metric.p99_latency_ms", max(samples))


def test_encode_throughput(record_property):
    record_property("metric.throughput", 5200)
    record_property("metric.throughput.unit", "ops/s")


def test_model_accuracy(record_property):
    record_property("metric.accuracy_pct", 97.5)
    record_property("metric.label", "not a number")


def test_without_metrics():
    assert sum(range(4)) == 6
