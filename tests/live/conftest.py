"""The live tests talk to the user's own cluster: they get the real kubeconfig and home back (exec credential
plugins such as `aws eks get-token` or `gke-gcloud-auth-plugin` read their configuration from the home), while
caches (kube-lsp's OpenAPI cache among them) stay in the session's directory."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from tests.conftest import REAL_HOME_VAR, REAL_KUBECONFIG_VAR


@pytest.fixture(scope="module", autouse=True)
def real_kubeconfig() -> Iterator[str]:
    kubeconfig = os.environ[REAL_KUBECONFIG_VAR]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KUBECONFIG", kubeconfig)
        mp.setenv("HOME", os.environ[REAL_HOME_VAR])
        loader = sys.modules.get("kubernetes.config.kube_config")
        if loader is not None:  # imported earlier in the session: it read $KUBECONFIG then, once
            mp.setattr(loader, "KUBE_CONFIG_DEFAULT_LOCATION", kubeconfig)
        yield kubeconfig
