"""The orchestrator: builds registered components in order and runs a document through them.

Stages before `store` never import the database; this module only wires components together.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from . import registry
from .model import Document
from .registry import Component, ComponentInfo

# Component name -> module that registers it (imported lazily, so a broken optional component
# names itself instead of breaking every command).
MODULES: dict[str, str] = {
    "khronika.segment": "khronika.segment",
    "khronika.claims": "khronika.extract.claims",
    "khronika.times": "khronika.timex",
    "khronika.places": "khronika.geo",
    "khronika.entities": "khronika.extract.entities",
    "khronika.events": "khronika.extract.events",
    "khronika.services": "khronika.extract.services",
    "khronika.terse": "khronika.intake.channels.terse",  # field reports (docs/syntax-card.md)
}
DEFAULT: tuple[str, ...] = tuple(MODULES)
EXTRACT_LANGS = ("en", "ru")  # other languages are stored and searchable, not extracted


class PipelineError(RuntimeError):
    pass


class Pipeline:
    """An ordered list of built components; `pipe(doc)` fills the document's layers and ids."""

    def __init__(self, names: Sequence[str] = DEFAULT) -> None:
        self.infos: list[ComponentInfo] = [_info(n) for n in names]
        _check_order(self.infos)
        self._built: list[Component] | None = None

    @property
    def tags(self) -> list[str]:
        return [i.tag for i in self.infos]

    def _components(self) -> list[Component]:
        if self._built is None:
            self._built = [i.factory() for i in self.infos]
        return self._built

    def __call__(self, doc: Document) -> Document:
        if doc.lang in EXTRACT_LANGS:
            for comp in self._components():
                comp(doc)
            doc.pipeline = self.tags
        else:
            doc.pipeline = []
        doc.assign_ids()
        return doc


def _info(name: str) -> ComponentInfo:
    module = MODULES.get(name)
    if module:
        importlib.import_module(module)
    return registry.get(name)


def _check_order(infos: list[ComponentInfo]) -> None:
    """Every layer a component requires must be assigned by an earlier one."""
    assigned: set[str] = set()
    for info in infos:
        missing = [r for r in info.requires if r not in assigned]
        if missing:
            raise PipelineError(f"{info.tag} requires {missing} but no earlier component assigns them")
        assigned.update(info.assigns)


_DEFAULT_PIPELINE: Pipeline | None = None


def default_pipeline() -> Pipeline:
    global _DEFAULT_PIPELINE
    if _DEFAULT_PIPELINE is None:
        _DEFAULT_PIPELINE = Pipeline()
    return _DEFAULT_PIPELINE
