"""A real VS Code (code-server) for the extension's end-to-end test: install.py installs it, workbench.py runs it."""

import pytest

# Each phase's report of a test (setup, call, teardown), kept by tests/editors/conftest.py so that fixtures can
# tell at teardown whether the test failed (and then save a screenshot and the logs).
PHASE_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()
