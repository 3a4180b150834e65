import pytest

from nlp.errors import UnknownComponentError
from nlp.registry import Registry


def test_registry_builds_registered_part():
    registry: Registry[str] = Registry("thing")
    registry.register("thing.a.v1")(lambda: "built")
    assert registry.get("thing.a.v1") == "built"
    assert "thing.a.v1" in registry
    assert registry.names() == ["thing.a.v1"]


def test_registry_unknown_name_lists_known_names():
    registry: Registry[str] = Registry("thing")
    registry.register("thing.a.v1")(lambda: "built")
    with pytest.raises(UnknownComponentError, match=r"thing\.a\.v1") as caught:
        registry.get("thing.b.v1")
    assert caught.value.code == "UNKNOWN_COMPONENT"


def test_registry_refuses_duplicate_names():
    registry: Registry[str] = Registry("thing")
    registry.register("x")(lambda: "1")
    with pytest.raises(ValueError, match="already registered"):
        registry.register("x")(lambda: "2")
