"""Settings from the environment, every one prefixed ``JOINTCREDIT_`` and documented in
docs/configuration.md (a test fails when one is not)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "jointcredit"


class Settings(BaseSettings):
    """Process-wide settings."""

    model_config = SettingsConfigDict(env_prefix="JOINTCREDIT_", extra="ignore")

    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Directory for the embedded SQLite registry and generated files.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the registry; default: SQLite file registry.sqlite3 in "
        "the data directory. PostgreSQL: postgresql+psycopg://user@host:5432/db.",
    )
    auto_migrate: bool = Field(
        default=True,
        description="Upgrade the database schema on start-up; false: refuse to start on an old "
        "schema until `jointcredit db upgrade` has run.",
    )
    import_batch_size: int = Field(
        default=5000,
        ge=1,
        description="Rows validated and written per transaction during an import.",
    )
    import_workers: int | None = Field(
        default=None,
        ge=0,
        le=1,
        description="Child processes that read and validate an import while the parent writes: "
        "0 or 1; default 1 for files over 4 MiB, else 0.",
    )
    import_rejects_listed: int = Field(
        default=1000,
        ge=0,
        description="Rejected-row messages kept in an import summary; all go to the rejects file.",
    )

    catalog_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra measure-catalog files or directories, separated like PATH (':' on "
        "POSIX), loaded after the shipped catalog; they may add to it but not redefine it.",
    )

    @field_validator("catalog_paths", mode="before")
    @classmethod
    def _split_catalog_paths(cls, value: object) -> object:
        # One environment variable, several paths: split like PATH instead of expecting JSON.
        if isinstance(value, str):
            return [Path(p) for p in value.split(os.pathsep) if p.strip()]
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'registry.sqlite3'}"


@cache
def get_settings() -> Settings:
    return Settings()
