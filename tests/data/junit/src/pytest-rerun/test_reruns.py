"""Sample tests for pytest-rerunfailures: one flaky test that passes on its
second run, one that fails on every run. Run by ../../generate.sh.
"""

ATTEMPTS = {"flaky": 0}


def test_passes_on_second_run():
    ATTEMPTS["flaky"] += 1
    print(f"attempt {ATTEMPTS['flaky']}")
    assert ATTEMPTS["flaky"] >= 2, "first attempt fails"


def test_always_fails():
    assert 1 == 2, "never passes"


def test_stable():
    assert True
