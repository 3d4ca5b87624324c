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
        default=2000,
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
    import_xlsx_max_bytes: int = Field(
        default=256 << 20,
        ge=1 << 20,
        description="Largest total uncompressed size of an XLSX workbook's parts; checked from "
        "the zip directory before the workbook is parsed (zip bombs).",
    )
    import_xlsx_max_shared_strings: int = Field(
        default=1_000_000,
        ge=1,
        description="Most shared strings an XLSX workbook may hold (they are all kept in memory "
        "while it is read).",
    )
    import_xlsx_max_cell_chars: int = Field(
        default=32_767,
        ge=1,
        description="Longest text of one XLSX cell (Excel's own limit is 32,767 characters).",
    )
    import_stale_seconds: float = Field(
        default=600.0,
        gt=0,
        description="A running import whose process shows no sign of life (heartbeat) for this "
        "long, and whose process cannot be looked up (another host), counts as interrupted.",
    )

    catalog_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="Extra measure-catalog files or directories, separated like PATH (':' on "
        "POSIX), loaded after the shipped catalog; they may add to it but not redefine it.",
    )

    region: str | None = Field(
        default=None,
        description="GB/T 2260 division code of this node's own jurisdiction (330000 for a "
        "provincial platform, 330100 for a city's); empty on the national node.",
    )

    scorecard_file: Path | None = Field(
        default=None,
        description="YAML scorecard of the public credit comprehensive evaluation "
        "(`jointcredit grade`); default: the one shipped in the package. See docs/grading.md.",
    )

    receipt_key_file: Path | None = Field(
        default=None,
        description="PEM file of the platform's Ed25519 private key that signs check receipts; "
        "default: keys/receipt-signing.pem in the data directory, created on first use "
        "(mode 0600). Its public key is published at /api/v1/receipts/key.",
    )
    report_key_file: Path | None = Field(
        default=None,
        description="File of the AES-256 key (32 bytes, base64) that seals reporters' "
        "identities and contacts for a department that has no key pair of its own yet "
        "(`jointcredit reports department-key init` re-seals them); default: "
        "keys/report-encryption.key in the data directory, created on first use (mode 0600).",
    )
    record_reference_key_file: Path | None = Field(
        default=None,
        description="File of the AES-256 key (32 bytes, base64) that turns credit records' row "
        "ids into the opaque references public answers carry; default: "
        "keys/record-reference.key in the data directory, created on first use (mode 0600). "
        "A new key changes every public reference (old links stop working).",
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

    # -- the coordination loop (issue 5). Time limits in Chinese working days (DOMAIN.md). --------
    holidays_file: Path | None = Field(
        default=None,
        description="YAML file of the State Council's holiday notices for years the "
        "chinesecalendar package does not know yet (`jointcredit calendar lint`); checked at "
        "start, a faulty file stops it. See docs/coordination.md.",
    )
    review_days: int = Field(
        default=5,
        ge=1,
        description="Working days a reviewer has to approve or return a list-entry proposal.",
    )
    objection_days: int = Field(
        default=20,
        ge=1,
        description="Working days the providing department has to verify an objection "
        "(企业信息公示暂行条例 Art 13: 20; Shanghai: 5).",
    )
    repair_accept_days: int = Field(
        default=2,
        ge=1,
        description="Working days to accept (or refuse) a credit-repair application.",
    )
    repair_decide_days: int = Field(
        default=5,
        ge=1,
        description="Working days to decide a credit-repair application once accepted.",
    )
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024,
        ge=1024,
        description="The largest document (PDF, OFD, PNG, JPEG) a case takes as an attachment.",
    )
    tipoff_days: int = Field(
        default=15,
        ge=1,
        description="Working days the competent department has to handle a report (举报) from "
        "its receipt to its closing (国家市场监督管理总局令第20号 Art 30: 15).",
    )
    repair_list_min_months: int = Field(
        default=12,
        ge=0,
        description="Months a list entry must have been in effect before its subject may apply "
        "for repair (the severe tier's minimum, NDRC Order No. 36).",
    )
    court_list_types: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["judgment-defaulters", "consumption-restricted"],
        description="List types of court defaulters, comma-separated: once their grounds end, "
        "the entry must be removed within JOINTCREDIT_COURT_REMOVAL_DAYS.",
    )
    court_removal_days: int = Field(
        default=3,
        ge=1,
        description="Working days to remove a court defaulter entry once its grounds end.",
    )
    publication_days: int = Field(
        default=7,
        ge=1,
        description="Working days after its decision by which a licensing or penalty record "
        "must be public.",
    )
    publication_days_market: int = Field(
        default=20,
        ge=1,
        description="The same for market regulators (市场监督管理部门).",
    )
    withdrawal_days: int = Field(
        default=3,
        ge=1,
        description="Working days by which a revoked decision must be withdrawn.",
    )
    feedback_due: str = Field(
        default="quarterly",
        pattern=r"^(quarterly|[1-9][0-9]*)$",
        description="When enforcement feedback on a pushed entry is due: `quarterly` (by the "
        "10th working day after the end of the quarter it was pushed in, 发改财金〔2016〕1467号) "
        "or a number of working days after the push.",
    )
    webhook_key_file: Path | None = Field(
        default=None,
        description="File of the AES-256 key (32 bytes, base64) that seals webhook secrets at "
        "rest; default: keys/webhook-secrets.key in the data directory, created on first use "
        "(mode 0600).",
    )
    webhook_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long one webhook delivery may take before it counts as failed.",
    )
    webhook_max_attempts: int = Field(
        default=12,
        ge=1,
        description="Delivery attempts of one message before it is marked failed (it stays in "
        "the feed, and `jointcredit push retry` sends it again).",
    )
    webhook_backoff_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Wait before the second attempt; each further wait doubles, with jitter.",
    )
    webhook_backoff_max_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="Longest wait between two attempts.",
    )
    webhook_concurrency: int = Field(
        default=8,
        ge=1,
        description="Webhook deliveries one worker process makes at once.",
    )
    worker_interval_seconds: float = Field(
        default=2.0,
        gt=0,
        description="Pause of `jointcredit worker` between two rounds when it found nothing to do.",
    )
    worker_lease_seconds: float = Field(
        default=60.0,
        gt=0,
        description="How long a worker holds a message it is delivering; a worker that dies "
        "leaves it to another after this time.",
    )

    self_service_authenticator: str = Field(
        default="",
        description="How subjects sign in to self-service: empty (self-service off), `demo` "
        "(identifier and a code from `jointcredit selfservice demo-code`; demonstrations only) "
        "or `package.module:factory` returning an authenticator (see "
        "docs/self-service.md).",
    )
    web_session_idle_minutes: int = Field(
        default=30,
        ge=1,
        description="A console session ends after this many minutes without a request.",
    )
    web_session_max_hours: float = Field(
        default=10.0,
        gt=0,
        description="A console session ends this many hours after sign-in, however active.",
    )
    web_login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Wrong passwords from one client address within the lock-out time after "
        "which a staff account is locked for that address (not for its owner elsewhere).",
    )
    web_login_lockout_minutes: int = Field(
        default=15,
        ge=1,
        description="How long wrong passwords count against an account and address: the lock "
        "lifts once fewer than the maximum are that recent.",
    )

    # -- limits on unauthenticated writes (issue 14): per client address and for everyone. -----
    throttle_window_seconds: int = Field(
        default=60,
        ge=1,
        le=86400,
        description="Length of the fixed window the throttle counts in; the limits below are "
        "per window.",
    )
    throttle_reports_per_address: int = Field(
        default=10,
        ge=0,
        description="Reports without a key (POST /api/v1/reports) one client address may make "
        "per window; 0: no limit.",
    )
    throttle_reports_overall: int = Field(
        default=120,
        ge=0,
        description="Reports without a key all addresses together may make per window; 0: no "
        "limit.",
    )
    throttle_sign_ins_per_address: int = Field(
        default=20,
        ge=0,
        description="Sign-in attempts one client address may make per window, on the console "
        "and on self-service each; 0: no limit.",
    )
    throttle_sign_ins_overall: int = Field(
        default=600,
        ge=0,
        description="Sign-in attempts all addresses together may make per window, on the "
        "console and on self-service each; 0: no limit.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis server the throttle counts in (redis://host:6379/0); default: the "
        "database. Needs the `redis` extra.",
    )
    lang: Literal["zh", "en"] = Field(
        default="zh",
        description="Language of what a person reads outside the web pages: validators' reasons "
        "(import rejects, the console's submissions) and the CLI's errors; `jointcredit --lang` "
        "overrides it for one command.",
    )
    metrics: bool = Field(
        default=False,
        description="Serve GET /metrics in the Prometheus text format (docs/metrics.md).",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Directory where several serve workers and the worker keep their metrics "
        "(prometheus-client's multiprocess mode); default: metrics/ in the data directory. "
        "`jointcredit serve` removes the files of processes that have ended when it starts.",
    )
    pg_dump: str = Field(
        default="pg_dump",
        description="pg_dump (and, next to it, psql) that `jointcredit backup` runs on "
        "PostgreSQL; a name on PATH or a full path. Its major version must be at least the "
        "server's.",
    )

    @field_validator("court_list_types", mode="before")
    @classmethod
    def _split_list_types(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("region", mode="before")
    @classmethod
    def _division(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        from jointcredit.identifiers import divisions

        if len(text) != 6 or not text.isdigit() or not divisions.is_known(text):
            raise ValueError(
                f"{text!r} is not a GB/T 2260 division code (six digits, e.g. 330000 for "
                "Zhejiang, 330100 for Hangzhou); leave it empty on the national node"
            )
        return text

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
