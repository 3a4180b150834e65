"""Reading the optional settings file (JSON or TOML, chosen by extension)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from service.errors import ServiceConfigError


def read_config_file(path: Path) -> dict[str, Any]:
    """The settings in a ``.json`` or ``.toml`` file, as nested dicts.

    Raises:
        ServiceConfigError: ``CONFIG_FILE_NOT_FOUND`` or ``CONFIG_FILE_INVALID``.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise ServiceConfigError(
            f"config file {path} does not exist; fix --config or TRIAGE_CONFIG_FILE",
            code="CONFIG_FILE_NOT_FOUND",
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".toml":
            with path.open("rb") as handle:
                values: Any = tomllib.load(handle)
        elif suffix == ".json":
            values = json.loads(path.read_text(encoding="utf-8"))
        else:
            raise ServiceConfigError(
                f"config file {path} must end in .json or .toml", code="CONFIG_FILE_INVALID"
            )
    except json.JSONDecodeError as error:
        raise ServiceConfigError(
            f"config file {path} is not valid JSON ({error.msg} at line {error.lineno}); fix it",
            code="CONFIG_FILE_INVALID",
        ) from None
    except tomllib.TOMLDecodeError as error:
        # tomllib's messages name the line and column, never the value.
        raise ServiceConfigError(
            f"config file {path} is not valid TOML ({error}); fix it", code="CONFIG_FILE_INVALID"
        ) from None
    except UnicodeDecodeError:
        raise ServiceConfigError(
            f"config file {path} is not UTF-8 text; convert it", code="CONFIG_FILE_INVALID"
        ) from None
    if not isinstance(values, dict):
        raise ServiceConfigError(
            f"config file {path} must hold an object/table of settings", code="CONFIG_FILE_INVALID"
        )
    return values
