"""Service settings: one validated object, read from the environment and an optional config file.

Precedence, highest first: values passed to ``load_settings`` (command-line options), environment
variables (``TRIAGE_`` prefix, ``__`` between nested names, e.g. ``TRIAGE_LIMITS__MAX_BODY_BYTES``),
the config file (``--config`` or ``TRIAGE_CONFIG_FILE``; JSON or TOML, same nesting), defaults.

Nothing is read at import time; ``load_settings`` builds and validates the object once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from models.review import ReviewPolicy
from nlp.labels import DEFAULT_GRADE_COLOURS, RISK_GRADE_IDS
from nlp.validate import DEFAULT_MAX_CHARS
from service._config_file import read_config_file
from service.errors import ServiceConfigError

ENV_PREFIX: Final = "TRIAGE_"
ENV_NESTED_DELIMITER: Final = "__"
CONFIG_FILE_ENV: Final = "TRIAGE_CONFIG_FILE"
MIN_KEY_CHARS: Final = 16
_OPERATOR_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_REPO_ROOT: Final = Path(__file__).resolve().parents[1]

_file_values: ContextVar[dict[str, Any]] = ContextVar("_file_values", default={})  # noqa: B039


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Limits(_Section):
    """Request limits; each one protects the service from one kind of overload."""

    max_body_bytes: int = Field(
        default=1_048_576,
        ge=1024,
        description="Largest request body in bytes, counted as it arrives; larger bodies get 413.",
    )
    max_text_chars: int = Field(
        default=DEFAULT_MAX_CHARS,
        ge=1,
        description="Longest record text in characters; longer texts get TEXT_TOO_LONG.",
    )
    max_batch_records: int = Field(
        default=256,
        ge=1,
        le=100_000,
        description="Most records in one POST /v1/triage/batch request; more get TOO_MANY_RECORDS.",
    )
    request_timeout_s: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="Seconds a request may wait for and spend in prediction before it gets 504.",
    )
    max_concurrent_predictions: int = Field(
        default=4,
        ge=1,
        le=256,
        description="Predictions running at once in the worker thread pool (per worker process).",
    )


class ReviewSettings(_Section):
    """When a prediction is flagged for review (``models.review.ReviewPolicy``).

    A trained bundle carries review thresholds chosen on its calibration data for 80% of records
    kept automatic; unset values keep them. ``target_coverage`` chooses them again from the
    calibration scores stored in the bundle; a threshold set here then replaces the chosen one.
    """

    target_coverage: float | None = Field(
        default=None,
        ge=0.5,
        le=1.0,
        description="Share of records kept automatic (not flagged for review), e.g. 0.8; the "
        "bundle's review thresholds are chosen again for it from the calibration scores the "
        "bundle stores. Unset: the thresholds chosen at training time.",
    )
    min_type_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Review when the top dispute-type probability is below this "
        "(overrides the bundle's value).",
    )
    min_type_margin: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Review when the top two dispute-type probabilities differ by less "
        "(overrides the bundle's value).",
    )
    min_grade_confidence: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Review when the top risk-grade probability is below this "
        "(overrides the bundle's value).",
    )
    min_grade_margin: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Review when the top two risk-grade probabilities differ by less "
        "(overrides the bundle's value).",
    )
    escalation_band: float | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Review when the escalation probability is this close to its threshold; "
        "replaces the bundle's chosen uncertain band.",
    )

    def overrides(self) -> dict[str, float]:
        """The values that are set, as ``ReviewPolicy.with_overrides`` keyword arguments."""
        return {name: value for name, value in self.model_dump().items() if value is not None}

    def to_policy(self, base: ReviewPolicy | None = None) -> ReviewPolicy:
        """The policy a model's ``configured()`` takes: ``base`` (the model's own) with these set.

        Raises:
            ModelBundleError: code ``REVIEW_NOT_SELECTABLE`` when ``target_coverage`` is set and
                ``base`` carries no calibration scores.
        """
        return (base or ReviewPolicy()).with_overrides(**self.overrides())


class AuthSettings(_Section):
    """API-key authentication of the /v1 endpoints."""

    enabled: bool = Field(
        default=True,
        description="Require an API key on /v1 endpoints; start-up fails when it is on and no "
        "key is set.",
    )
    api_keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="Operator id -> API key (at least 16 characters, all distinct). "
        'As an environment variable: JSON, e.g. {"desk-1": "..."}.',
    )
    protect_metrics: bool = Field(
        default=False, description="Require an API key on GET /metrics as well."
    )
    label_metrics: bool = Field(
        default=False,
        description="Export per-label prediction counts (triage_predictions_total) on GET "
        "/metrics, to requests with a valid API key only; off, they are never exported.",
    )

    @model_validator(mode="after")
    def _check_keys(self) -> Self:
        seen: set[str] = set()
        for operator, key in self.api_keys.items():
            if not _OPERATOR_ID.match(operator):
                raise ValueError(
                    "operator ids must be 1-64 characters of letters, digits, '.', '_' or '-'"
                )
            secret = key.get_secret_value()
            if len(secret) < MIN_KEY_CHARS:
                raise ValueError(
                    f"the API key of operator {operator} is shorter than {MIN_KEY_CHARS} "
                    "characters; generate a long random key (e.g. `openssl rand -hex 24`)"
                )
            if secret in seen:
                raise ValueError("two operators share one API key; give each its own key")
            seen.add(secret)
        return self


class AdminSettings(_Section):
    """The model-reload endpoint and signal."""

    enabled: bool = Field(
        default=False,
        description="Serve POST /v1/admin/reload (404 when off); needs admin.api_key.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="Key for the admin endpoint (at least 16 characters, unlike every API key).",
    )
    reload_root: Path | None = Field(
        default=None,
        description="A reload may name a model_dir inside this directory; without it only the "
        "configured model directory may be reloaded.",
    )
    reload_on_sighup: bool = Field(
        default=True,
        description="Reload the current model directory when the process receives SIGHUP.",
    )


class ServerSettings(_Section):
    """Where and how ``triage serve`` listens."""

    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port to listen on.")
    workers: int = Field(
        default=1, ge=1, le=64, description="Worker processes; each loads the model bundle itself."
    )
    torch_threads: int = Field(
        default=1,
        ge=1,
        le=256,
        description="CPU threads torch may use in each worker process (transformer and ensemble "
        "bundles only). Keep workers x threads at or below the cores: more threads than cores "
        "spin against each other and multiply latency.",
    )
    docs_ui: bool = Field(
        default=False,
        description="Serve Swagger UI at /docs and ReDoc at /redoc. Their pages load scripts "
        "from a CDN, so they only render where the browser has internet; /openapi.json is "
        "always served.",
    )


class FeedbackSettings(_Section):
    """The feedback database: corrections from POST /v1/feedback and the audit log."""

    enabled: bool = Field(
        default=True,
        description="Keep the feedback database: POST /v1/feedback stores corrections and every "
        "prediction served is appended to the audit log. Off: no database is opened and "
        "/v1/feedback answers 404.",
    )
    database_url: SecretStr | None = Field(
        default=None,
        description="SQLAlchemy URL of the database: sqlite:////absolute/path.sqlite3 or "
        "postgresql+psycopg://user:password@host:5432/db. Unset: the SQLite file "
        "artifacts/feedback.sqlite3 in the project (its directory is created).",
    )
    max_per_minute: int = Field(
        default=60,
        ge=1,
        le=100_000,
        description="Most corrections one operator may send to POST /v1/feedback in any 60 "
        "seconds, per worker process; more get RATE_LIMITED (429) with Retry-After. With auth "
        "off every caller is the one operator 'anonymous'.",
    )

    @model_validator(mode="after")
    def _check_url(self) -> Self:
        if self.database_url is None:
            return self
        url = self.database_url.get_secret_value()
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if not path.startswith("/"):
                raise ValueError(
                    "feedback.database_url must name a SQLite file by its absolute path "
                    "(sqlite:////absolute/path.sqlite3; four slashes), not a relative path or an "
                    "in-memory database"
                )
            return self
        if not url.startswith("postgresql+psycopg://"):
            raise ValueError(
                "feedback.database_url must start with sqlite:/// or postgresql+psycopg://"
            )
        return self

    def url(self) -> str:
        """The database URL to connect to (the default SQLite file when unset)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{_REPO_ROOT / 'artifacts' / 'feedback.sqlite3'}"


class Settings(BaseSettings):
    """Everything the service, ``triage predict`` and ``triage score`` can be configured with."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_NESTED_DELIMITER,
        extra="forbid",
        frozen=True,
    )

    model_dir: Path | None = Field(
        default=None,
        description="Model bundle directory; unset means the built-in default model "
        "(artifacts/default-model, built on first use by the commands).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level of the service's loggers."
    )
    grade_colours: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_GRADE_COLOURS),
        description="Colour shown per risk grade id (general, complex, difficult). "
        'As an environment variable: JSON, e.g. {"general": "绿", "complex": "黄", '
        '"difficult": "红"}.',
    )
    limits: Limits = Field(default_factory=lambda: Limits(), description="Request limits.")
    review: ReviewSettings = Field(
        default_factory=lambda: ReviewSettings(), description="Abstention thresholds."
    )
    auth: AuthSettings = Field(default_factory=lambda: AuthSettings(), description="API keys.")
    admin: AdminSettings = Field(
        default_factory=lambda: AdminSettings(), description="Model reload."
    )
    server: ServerSettings = Field(
        default_factory=lambda: ServerSettings(), description="Listening."
    )
    feedback: FeedbackSettings = Field(
        default_factory=lambda: FeedbackSettings(), description="Feedback database."
    )

    @model_validator(mode="after")
    def _check(self) -> Self:
        if set(self.grade_colours) != set(RISK_GRADE_IDS) or not all(
            colour.strip() for colour in self.grade_colours.values()
        ):
            raise ValueError(
                f"grade_colours needs exactly the grades {', '.join(RISK_GRADE_IDS)}, "
                "each with a non-empty colour"
            )
        if self.admin.enabled:
            admin_key = self.admin.api_key.get_secret_value() if self.admin.api_key else ""
            if len(admin_key) < MIN_KEY_CHARS:
                raise ValueError(
                    f"admin.enabled needs admin.api_key of at least {MIN_KEY_CHARS} characters"
                )
            if any(admin_key == k.get_secret_value() for k in self.auth.api_keys.values()):
                raise ValueError("admin.api_key must differ from every operator's API key")
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Command-line values, then the environment, then the config file; no .env files."""
        return init_settings, env_settings, _ConfigFileSource(settings_cls)

    def model_directory(self) -> Path | None:
        """``model_dir`` made absolute, or ``None`` for the built-in default."""
        return self.model_dir.expanduser().resolve() if self.model_dir else None


class _ConfigFileSource(PydanticBaseSettingsSource):
    """The values of the config file chosen in ``load_settings`` (lowest precedence)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return _file_values.get().get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(_file_values.get())


def load_settings(
    config_file: Path | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build and validate the settings once.

    Args:
        config_file: a JSON or TOML file; ``None`` uses ``$TRIAGE_CONFIG_FILE`` when set.
        overrides: values that win over everything (command-line options), nested like the
            settings, e.g. ``{"server": {"port": 9000}}``.

    Returns:
        The frozen settings.

    Raises:
        ServiceConfigError: codes ``CONFIG_FILE_NOT_FOUND``, ``CONFIG_FILE_INVALID`` or
            ``SETTINGS_INVALID``; the message names each bad setting and never shows a value.
    """
    path = config_file or (
        Path(os.environ[CONFIG_FILE_ENV]) if os.environ.get(CONFIG_FILE_ENV) else None
    )
    values = read_config_file(path) if path else {}
    token = _file_values.set(values)
    try:
        return Settings(**dict(overrides or {}))
    except ValidationError as error:
        raise ServiceConfigError(_describe(error), code="SETTINGS_INVALID") from None
    except SettingsError as error:
        raise ServiceConfigError(_describe_source_error(error), code="SETTINGS_INVALID") from None
    finally:
        _file_values.reset(token)


def _describe_source_error(error: SettingsError) -> str:
    """Name the setting an environment variable could not be parsed for; never its value."""
    found = re.search(r'field "([^"]+)"', str(error))
    field = found.group(1) if found else "a setting"
    return (
        f"an environment variable of the {field!r} settings (TRIAGE_{field.upper()}...) cannot "
        "be parsed; values that are mappings or lists are JSON, e.g. "
        'TRIAGE_AUTH__API_KEYS=\'{"desk-1": "<key>"}\''
    )


def check_servable(settings: Settings) -> None:
    """Refuse to serve with authentication on and no key to check against.

    Raises:
        ServiceConfigError: code ``AUTH_NO_KEYS``.
    """
    if settings.auth.enabled and not settings.auth.api_keys:
        raise ServiceConfigError(
            "authentication is on but no API key is configured; set TRIAGE_AUTH__API_KEYS "
            '(JSON, e.g. {"desk-1": "<at least 16 random characters>"}) or auth.api_keys in '
            "the config file, or turn auth off with TRIAGE_AUTH__ENABLED=false on a closed network",
            code="AUTH_NO_KEYS",
        )


def _describe(error: ValidationError) -> str:
    """Name each invalid setting and why, without its value (it may be a secret)."""
    problems = []
    for item in error.errors(include_input=False, include_url=False):
        where = ".".join(str(part) for part in item["loc"]) or "settings"
        problems.append(f"{where}: {item['msg']}")
    return (
        "invalid settings: "
        + "; ".join(problems)
        + f" (environment variables use the {ENV_PREFIX} prefix and '{ENV_NESTED_DELIMITER}' "
        "between names; see docs/service.md)"
    )


@dataclass(frozen=True, slots=True)
class SettingDoc:
    """One setting as documented: dotted name, environment variable, default and help text."""

    name: str
    env: str
    default: str
    description: str


def describe_settings() -> list[SettingDoc]:
    """Every leaf setting with its environment variable, default and help text (for the docs)."""
    return list(_walk(Settings, ""))


def _walk(model: type[BaseModel], prefix: str) -> Iterator[SettingDoc]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        dotted = f"{prefix}{name}"
        if isinstance(annotation, type) and issubclass(annotation, _Section):
            yield from _walk(annotation, f"{dotted}.")
            continue
        default = field.get_default(call_default_factory=True)
        env = ENV_PREFIX + dotted.replace(".", ENV_NESTED_DELIMITER).upper()
        yield SettingDoc(dotted, env, repr(default), field.description or "")
