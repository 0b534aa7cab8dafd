"""Editor tests: the API server double's fixtures, for the cluster commands of the editor integrations, and each
test's phase reports (for fixtures that save debugging material when a test failed)."""

from collections.abc import Generator

import pytest
from cluster.conftest import apiserver, apiserver_session, kubeconfig  # noqa: F401 - fixtures

from editors.vscode_host import PHASE_REPORTS


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport,
                                                                                           pytest.TestReport]:
    report = yield
    item.stash.setdefault(PHASE_REPORTS, {})[report.when] = report
    return report
