"""Coverage-guided fuzzing of the parser and the engine with atheris (libFuzzer). Not run in CI.

The same invariants as the Hypothesis properties of test_engine_props.py (`check`): analysis never raises,
every range lies inside the text, key findings sit on their key, fixes apply. Inputs are bytes decoded as
UTF-8 (invalid sequences replaced), so any libFuzzer corpus works; seeding it with the real manifests
makes it find deep paths much sooner:

    .venv/bin/pip install atheris
    mkdir -p /tmp/kube-lsp-fuzz && find ../shared/corpus -name '*.yaml' -exec cp {} /tmp/kube-lsp-fuzz/ \\;
    .venv/bin/python tests/robustness/fuzz_engine.py /tmp/kube-lsp-fuzz -max_total_time=600 -max_len=4096

A crash leaves `crash-<hash>` in the current directory: reproduce it with
`python tests/robustness/fuzz_engine.py crash-<hash>`, then add it as an `@example` or a unit test in
test_found_bugs.py before fixing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run from anywhere: the checkout (for `tests.…`) and tests/ (as pytest puts it, for tests/conftest.py).
_TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(_TESTS.parent), str(_TESTS)]


def test_one_input(data: bytes) -> None:
    from tests.robustness.test_engine_props import check

    check(data.decode("utf-8", "replace"))


def main() -> None:
    import atheris  # type: ignore[import-not-found]

    with atheris.instrument_imports(include=["kube_lsp"]):
        import kube_lsp.engine  # noqa: F401 - instrumented for coverage
        import kube_lsp.fixes  # noqa: F401
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
