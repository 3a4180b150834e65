"""Registries of named, versioned parts (``"segment.jieba.v1"``).

A behaviour change registers a new version beside the old one, so model bundles that name the old
part keep loading.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from nlp.errors import UnknownComponentError

T = TypeVar("T")


class Registry(Generic[T]):
    """A plain mapping from stable string keys to factories."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._factories: dict[str, Callable[[], T]] = {}

    def register(self, name: str) -> Callable[[Callable[[], T]], Callable[[], T]]:
        """Decorator registering ``factory`` under ``name``; a name may be registered once."""

        def decorate(factory: Callable[[], T]) -> Callable[[], T]:
            if name in self._factories:
                raise ValueError(f"{self.kind} {name!r} is already registered")
            self._factories[name] = factory
            return factory

        return decorate

    def get(self, name: str) -> T:
        """Build the part registered under ``name``.

        Raises:
            UnknownComponentError: no part has that name; the message lists the known names.
        """
        try:
            factory = self._factories[name]
        except KeyError:
            known = ", ".join(sorted(self._factories)) or "none"
            raise UnknownComponentError(
                f"unknown {self.kind} {name!r}; registered: {known}. "
                "A model bundle naming it needs a newer version of this software."
            ) from None
        return factory()

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._factories)

    def __contains__(self, name: object) -> bool:
        return name in self._factories
