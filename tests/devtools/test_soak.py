"""A small soak (50 services): every command, faults, a killed cluster, a killed worker,
services moved away from a server that is down; nothing lost or doubled."""

import io

import pytest

from devtools.soak import soak_report, soak_run

pytestmark = [pytest.mark.e2e]


def test_a_small_soak_ends_with_no_duplicate_mismatch_or_unfinished_operation(
    transactional_db, tmp_path
):
    out = io.StringIO()
    result = soak_run(
        services=50, workers=2, fault_rate=0.1, log_dir=tmp_path, seed=7, timeout=120, out=out
    )
    report = soak_report(result)
    print(out.getvalue(), report)
    assert "killing one worker cluster" in out.getvalue()
    assert "killed a worker (SIGKILL) while the panel held its request" in out.getvalue()
    assert result.moved == 5, "one service in ten was moved"
    assert result.workers_lost > 0, "attempts of killed workers were journaled as lost"
    assert result.accepted >= 50
    assert result.faults > 0 and result.retried > 0, "faults were met and retried"
    assert (result.duplicates, result.mismatches, result.unfinished) == (0, 0, 0), report
    assert result.failed == 0, report
