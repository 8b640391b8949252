"""Registered pipeline components, in the manner of spaCy's factories.

A component is a callable `(Document) -> None` that adds items to the document's layers. It is
registered under a versioned name with the layers it reads (`requires`) and writes (`assigns`), so
a pipeline can be checked at build time: every layer a component needs is produced upstream.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .model import Document

Component = Callable[[Document], None]


@dataclass(frozen=True)
class ComponentInfo:
    name: str  # e.g. "khronika.segment"
    version: str  # e.g. "1"
    requires: tuple[str, ...]
    assigns: tuple[str, ...]
    factory: Callable[[], Component]

    @property
    def tag(self) -> str:
        return f"{self.name}@{self.version}"


_REGISTRY: dict[str, ComponentInfo] = {}


def component(
    name: str, *, version: str, requires: tuple[str, ...] = (), assigns: tuple[str, ...] = ()
) -> Callable[[Callable[[], Component]], Callable[[], Component]]:
    """Register a component factory. The factory is called once per pipeline build."""

    def deco(factory: Callable[[], Component]) -> Callable[[], Component]:
        _REGISTRY[name] = ComponentInfo(name, version, requires, assigns, factory)
        return factory

    return deco


def get(name: str) -> ComponentInfo:
    if name not in _REGISTRY:
        raise KeyError(f"no component registered as {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def names() -> list[str]:
    return sorted(_REGISTRY)
