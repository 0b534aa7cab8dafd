"""Editor tests: the API server double's fixtures, for the cluster commands of the editor integrations."""

from cluster.conftest import apiserver, apiserver_session, kubeconfig  # noqa: F401 - fixtures
