"""import-linter contracts that judge the product's code, not its tests (`.importlinter`).

A test may import from any layer to set a scene (a scheduling test books through the
conversation pipeline), so test modules, ``conftest`` files, the shared test helpers
(``clinicbot.testing``, the factories included) leave the graph before the check.
"""

from __future__ import annotations

from typing import Any

from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

TEST_HELPERS = ("clinicbot.testing",)


def _is_test_code(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return (
        last.startswith("test_")
        or last == "conftest"
        or ".tests." in f"{module}."
        or any(module == h or module.startswith(f"{h}.") for h in TEST_HELPERS)
    )


def _without_tests(graph: Any) -> None:
    for module in list(graph.modules):
        if _is_test_code(module):
            graph.remove_module(module)


class ProductLayersContract(LayersContract):
    """A layers contract over the product's modules only."""

    def check(self, graph: Any, verbose: bool) -> Any:
        _without_tests(graph)
        return super().check(graph, verbose)


class ProductForbiddenContract(ForbiddenContract):
    """A forbidden contract over the product's modules only."""

    def check(self, graph: Any, verbose: bool) -> Any:
        _without_tests(graph)
        return super().check(graph, verbose)
