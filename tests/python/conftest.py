"""Shared by the package's tests: every test leaves the C library's count of live allocations
where it found it (kirchhoff.live_allocations; a leak in the bindings fails the test)."""
import gc

import pytest

import kirchhoff


@pytest.fixture(autouse=True)
def no_leaks():
    gc.collect()
    before = kirchhoff.live_allocations()
    yield
    gc.collect()
    assert kirchhoff.live_allocations() == before
