"""Settings from the environment, every one prefixed ``JOINTCREDIT_`` and documented in
docs/configuration.md (a test fails when one is not)."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

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

    receipt_key_file: Path | None = Field(
        default=None,
        description="PEM file of the platform's Ed25519 private key that signs check receipts; "
        "default: keys/receipt-signing.pem in the data directory, created on first use "
        "(mode 0600). Its public key is published at /api/v1/receipts/key.",
    )
    report_key_file: Path | None = Field(
        default=None,
        description="File of the AES-256 key (32 bytes, base64) that encrypts reporters' "
        "identities and contacts; default: keys/report-encryption.key in the data directory, "
        "created on first use (mode 0600). Keep it apart from database backups.",
    )
    audit_hash: Literal["sm3", "sha256"] | None = Field(
        default=None,
        description="Hash of the audit log's chain for new rows: sm3 (GB/T 32905-2016) or sha256; "
        "default sm3 where the platform's OpenSSL offers it, else sha256. Every row records "
        "its algorithm, so a change keeps older rows verifiable.",
    )
    api_max_body_bytes: int = Field(
        default=1 << 20,
        ge=1024,
        description="Largest request body the API accepts, in bytes, except file uploads; "
        "larger ones get 413.",
    )
    api_max_upload_bytes: int = Field(
        default=256 << 20,
        ge=1024,
        description="Largest file upload (record files, screening files) the API accepts, in "
        "bytes; larger ones get 413.",
    )
    api_key_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a server process remembers a valid API key instead of looking it "
        "up again; a key revoked by another process (the CLI) is refused at the latest this "
        "long after. 0: look every key up on every request.",
    )
    api_page_size_max: int = Field(
        default=500,
        ge=1,
        description="Largest page (the `limit` parameter) of any list the API returns.",
    )

    @field_validator("catalog_paths", mode="before")
    @classmethod
    def _split_catalog_paths(cls, value: object) -> object:
        # One environment variable, several paths: split like PATH instead of expecting JSON.
        if isinstance(value, str):
            return [Path(p) for p in value.split(os.pathsep) if p.strip()]
        return value

    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'registry.sqlite3'}"


@cache
def get_settings() -> Settings:
    return Settings()
