"""The registry's schema: one SQLAlchemy Core metadata for SQLite and PostgreSQL.

Migrations in ``store/migrations`` create exactly this schema (a test compares them). Dates are
calendar dates in China; timestamps are UTC. Money is stored in fen (0.01 CNY) as an integer:
the national formats give 万元 with at most six decimals, which is exactly one fen, so no
rounding ever happens and both databases agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

from jointcredit.choices import cases, roles
from jointcredit.record_drafts import RELATION_ROLES, SUBJECT_KINDS

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite only gives an autoincrementing rowid to INTEGER PRIMARY KEY; PostgreSQL needs BIGINT for
# tables that grow to hundreds of millions of rows.
Id = BigInteger().with_variant(Integer(), "sqlite")

RECORD_KINDS = ("licensing", "penalty", "red-list", "black-list", "commitment")
SEVERITIES = ("minor", "general", "severe")
#: ``disputed``: an objection is open (33号 §22): measures from the record are suspended.
#: ``expired``: a list entry whose ``valid_until`` has passed, ended by the worker; it still
#: counts against a clean record for the period it was in effect (unlike ``repaired`` …).
RECORD_STATUSES = (
    "active",
    "disputed",
    "cancelled",
    "revoked",
    "withdrawn",
    "repaired",
    "expired",
)
IDENTIFIER_TYPES = (
    "uscc",
    "resident-id",
    "org-code",
    "registration-number",
    "tax-number",
    "institution-certificate",
    "social-organization-certificate",
    "other-document",
)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


departments = Table(
    "departments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name_zh", String(200), nullable=False),
    Column("name_en", String(200)),
    Column("level", String(16)),
    Column("region", String(6)),
    Column("uscc", String(18), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    CheckConstraint(
        "level IS NULL OR " + _in("level", ("national", "provincial", "municipal", "county")),
        name="level",
    ),
)

IMPORT_JOB_STATUSES = ("running", "finished", "failed", "interrupted")

import_jobs = Table(
    "import_jobs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("source_name", String(500), nullable=False),
    Column("source_sha256", String(64)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False),
    Column("message", Text),
    # The process that runs the job and when it last showed life: a ``running`` job whose
    # process is gone (kill -9, a crash) is ``interrupted``, with the rows it had committed.
    Column("pid", Integer),
    Column("host", String(255)),
    Column("heartbeat_at", DateTime(timezone=True)),
    CheckConstraint(_in("status", IMPORT_JOB_STATUSES), name="status"),
)

subjects = Table(
    "subjects",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(24), nullable=False),
    Column("name", String(200), nullable=False),
    # The identifier the registry knows the subject by: its USCC, or its resident identity
    # number, or for organisations known only from old records a legacy number.
    Column("identifier", String(64), nullable=False, unique=True),
    Column("identifier_type", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # The name as search compares it (rules.searchtext.search_key). Substring search runs on
    # an index the migration adds per database: FTS5 trigram on SQLite, pg_trgm GIN on
    # PostgreSQL; this btree serves names that start with a query, from the index alone (it
    # holds the id: SQLite's holds the rowid anyway).
    Column("search_key", String(400)),
    Index("ix_subjects_search_key", "search_key", postgresql_include=["id"]),
    # The search key's one- and two-character substrings (rules.searchtext.search_grams): a
    # trigram index cannot find a key shorter than three characters, this one's index can
    # (FTS5 on SQLite, GIN on PostgreSQL, added by the migration).
    Column("search_grams", Text()),
    CheckConstraint(_in("kind", SUBJECT_KINDS), name="kind"),
)

subject_identifiers = Table(
    "subject_identifiers",
    metadata,
    Column("id", Id, primary_key=True),
    Column("subject_id", ForeignKey("subjects.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("type", String(40), nullable=False),
    Column("value", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    # Value first: look-ups come by value alone (a user rarely says which kind of code it is).
    UniqueConstraint("value", "type"),
    CheckConstraint(_in("type", IDENTIFIER_TYPES), name="type"),
)

relations = Table(
    "relations",
    metadata,
    Column("id", Id, primary_key=True),
    Column("organization_id", ForeignKey("subjects.id"), nullable=False),
    Column("person_id", ForeignKey("subjects.id"), nullable=False, index=True),
    Column("role", String(40), nullable=False),
    # valid_from: the earliest record that shows the role held; last_evidence: the latest.
    # valid_until (exclusive) is derived from them: see store.records._write_relations.
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("last_evidence", Date),
    Column("source_record_id", ForeignKey("credit_records.id")),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("organization_id", "person_id", "role"),
    CheckConstraint(_in("role", RELATION_ROLES), name="role"),
    CheckConstraint(
        "valid_until IS NULL OR valid_from IS NULL OR valid_until >= valid_from", name="period"
    ),
)

credit_records = Table(
    "credit_records",
    metadata,
    Column("id", Id, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("subject_id", ForeignKey("subjects.id"), nullable=False),
    # Digest of kind + issuing authority + document number + subject identifier: the natural key
    # of a double-publicity record, so a file imported twice adds nothing.
    Column("natural_key", String(32), nullable=False, unique=True),
    Column("issuing_authority", String(200), nullable=False),
    Column("issuing_authority_code", String(18)),
    Column("source_department", String(200)),
    Column("source_department_code", String(18)),
    # List entries: the catalog's list type and the listing department's catalog code.
    Column("list_type", String(64)),
    Column("department", String(64)),
    Column("source_system", String(100), nullable=False),
    Column("source_record_id", String(100)),
    Column("document_number", String(200), nullable=False),
    Column("decision_date", Date, nullable=False),
    Column("legal_basis", Text),
    Column("category", String(200)),
    Column("severity", String(8)),
    Column("fine_fen", BigInteger),
    Column("confiscated_fen", BigInteger),
    Column("valid_from", Date),
    Column("valid_until", Date),
    Column("publish_from", Date),
    Column("publish_until", Date),
    Column("status", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    # The record as the department sent it lives in record_history, once per version: the
    # current version's payload is the history row with the same version number.
    Column("content_hash", String(32), nullable=False),
    Column("import_job_id", ForeignKey("import_jobs.id")),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Publication deadlines of double-publicity records (issue 5): the last day the record had to
    # be public (7 working days after the decision, market regulators 20), and the day the
    # platform first had it; for a revoked decision, the last day to withdraw it and the day the
    # platform did.
    Column("publication_due", Date),
    Column("published_on", Date),
    Column("withdrawal_due", Date),
    Column("withdrawn_on", Date),
    Index("ix_credit_records_subject_id_decision_date", "subject_id", "decision_date"),
    # The check reads a subject's list entries and penalties, not its licences (most rows).
    Index("ix_credit_records_subject_id_kind", "subject_id", "kind", "decision_date"),
    # The worker looks for expired list entries every round; without it, that is a full scan.
    Index("ix_credit_records_kind_valid_until", "kind", "valid_until"),
    # The statistics' summary counts a month's records again after a correction (stats_records).
    Index("ix_credit_records_recorded_at", "recorded_at"),
    CheckConstraint(_in("kind", RECORD_KINDS), name="kind"),
    CheckConstraint("severity IS NULL OR " + _in("severity", SEVERITIES), name="severity"),
    CheckConstraint(_in("status", RECORD_STATUSES), name="status"),
    CheckConstraint("fine_fen IS NULL OR fine_fen >= 0", name="fine_nonnegative"),
    CheckConstraint(
        "confiscated_fen IS NULL OR confiscated_fen >= 0", name="confiscated_nonnegative"
    ),
    CheckConstraint(
        "publish_until IS NULL OR publish_from IS NULL OR publish_until >= publish_from",
        name="publication_window",
    ),
)

# Append-only: the migrations add triggers on both databases that refuse UPDATE and DELETE.
record_history = Table(
    "record_history",
    metadata,
    Column("id", Id, primary_key=True),
    Column("record_id", ForeignKey("credit_records.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("event", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("content_hash", String(32), nullable=False),
    Column("payload", Json, nullable=False),
    Column("import_job_id", ForeignKey("import_jobs.id")),
    Column("actor", String(200), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("record_id", "version"),
    CheckConstraint(_in("event", ("created", "updated", "status")), name="event"),
)

#: Roles of an API key (issue 4): what a department's system may do, for its own department.
ROLES = roles.ROLES.values

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Id, primary_key=True),
    # The key's public part, shown in lists and logs; the secret is kept only as a hash.
    Column("prefix", String(16), nullable=False, unique=True),
    Column("secret_hash", String(64), nullable=False),
    Column("department", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("name", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # A rotated key names its successor, so the department's change can be traced.
    Column("replaced_by", ForeignKey("api_keys.id")),
    CheckConstraint(_in("role", ROLES), name="role"),
)

# Append-only (database triggers) and hash-chained: row n's hash covers row n-1's hash, so a row
# altered, removed or reordered behind the triggers' back breaks the chain at that row.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Id, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("action", String(32), nullable=False),
    Column("key_id", Id),
    Column("department", String(64)),
    Column("role", String(16)),
    Column("subject", String(64)),
    Column("record_id", Id),
    Column("matter", String(64)),
    Column("result_digest", String(80)),
    Column("detail", Json),
    Column("algorithm", String(8), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_subject_id", "subject", "id"),
    # Department tracking reads a period's uploads from the whole log. Partial, so that no
    # other query of the log is planned through it (an index on the action would be chosen to
    # list a frequent action by id, sorting millions of rows).
    Index(
        "ix_audit_log_submit_file_at",
        "at",
        sqlite_where=text("action = 'submit-file'"),
        postgresql_where=text("action = 'submit-file'"),
    ),
)

#: Reports (举报, 33号 §13) of suspected grave trust-breaking acts. The reporter's identity and
#: contact exist only as ciphertext under the report key, never in the clear at rest or in logs.
REPORT_STATUSES = cases.TIPOFF_STATUSES.values
REPORT_OUTCOMES = cases.TIPOFF_OUTCOMES.values

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False, index=True),
    Column("subject", String(64), nullable=False),
    Column("subject_name", String(200)),
    Column("category", String(64)),
    Column("description", Text, nullable=False),
    Column("reporter_ciphertext", Text, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # A report as a case (workflows/tipoff.py): the staff member handling it, how it ended and,
    # when referred, the catalog department it went to.
    Column("handler", String(200)),
    Column("outcome", String(16)),
    Column("referred_to", String(64)),
    # The limit runs from receipt (JOINTCREDIT_TIPOFF_DAYS working days).
    Column("due", Date, nullable=False),
    Column("due_estimated", Boolean, nullable=False, default=False),
    Column("overdue_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # SHA-256 of the receipt code the reporter follows the report with; the code itself is
    # shown once and never stored.
    Column("receipt_digest", String(64), unique=True),
    Index("ix_reports_department_status", "department", "status"),
    CheckConstraint(_in("status", REPORT_STATUSES), name="status"),
    CheckConstraint("outcome IS NULL OR " + _in("outcome", REPORT_OUTCOMES), name="outcome"),
)


#: A department's own key pair for reporters' identities (X25519): the public key seals, the
#: private key exists only encrypted under a passphrase the department holds (scrypt, AES-GCM).
#: ``retired_at``: replaced by a rotation; every report is then sealed to the newer key.
department_keys = Table(
    "department_keys",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False, index=True),
    Column("key_id", String(16), nullable=False, unique=True),
    Column("public_key", Text, nullable=False),
    Column("private_sealed", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True)),
)

#: Counters of unauthenticated writes per client address (and overall) and fixed window, shared
#: by every server process; old windows are deleted as new ones are counted.
rate_counters = Table(
    "rate_counters",
    metadata,
    Column("bucket", String(200), primary_key=True),
    Column("window_start", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
)


# -- the coordination loop (issue 5) ------------------------------------------------------------

#: Who asks for a list entry to be made, changed or ended early, and the reviewer's answer.
PROPOSAL_ACTIONS = cases.PROPOSAL_ACTIONS.values
PROPOSAL_STATUSES = cases.PROPOSAL_STATUSES.values
OBJECTION_STATUSES = cases.OBJECTION_STATUSES.values
REPAIR_STATUSES = cases.REPAIR_STATUSES.values
WORKFLOWS = cases.CASE_KINDS.values

proposals = Table(
    "proposals",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False),
    Column("action", String(8), nullable=False),
    # The entry changed or ended; for ``create``, the entry made on approval.
    Column("record_id", ForeignKey("credit_records.id")),
    Column("list_type", String(64)),
    Column("subject", String(64)),
    # ``create``/``change``: the list entry as docs/list-entries.md defines it; ``end``: the end.
    Column("payload", Json, nullable=False),
    Column("document_number", String(200), nullable=False),
    Column("legal_basis", Text, nullable=False),
    Column("reason", Text),
    Column("status", String(16), nullable=False),
    Column("submitted_by", String(200), nullable=False),
    Column("reviewed_by", String(200)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("due", Date, nullable=False),
    # The due date lies beyond the holiday calendar's known years: weekends only were counted.
    Column("due_estimated", Boolean, nullable=False, default=False),
    Column("overdue_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_proposals_department_status", "department", "status"),
    CheckConstraint(_in("action", PROPOSAL_ACTIONS), name="action"),
    CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
)

objections = Table(
    "objections",
    metadata,
    Column("id", Id, primary_key=True),
    Column("record_id", ForeignKey("credit_records.id"), nullable=False, index=True),
    Column("subject", String(64), nullable=False),
    # The department that verifies: the record's provider.
    Column("department", String(64)),
    Column("reason", Text, nullable=False),
    Column("status", String(16), nullable=False),
    # The record's status before it was marked disputed, restored if the objection is rejected.
    Column("prior_status", String(16), nullable=False),
    Column("opened_by", String(200), nullable=False),
    Column("opened_by_department", String(64)),
    Column("resolved_by", String(200)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("due", Date, nullable=False),
    Column("due_estimated", Boolean, nullable=False, default=False),
    Column("overdue_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_objections_status_due", "status", "due"),
    CheckConstraint(_in("status", OBJECTION_STATUSES), name="status"),
)

repairs = Table(
    "repairs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("record_id", ForeignKey("credit_records.id"), nullable=False, index=True),
    Column("subject", String(64), nullable=False),
    Column("department", String(64)),
    Column("commitment", Text, nullable=False),
    Column("evidence", Text),
    Column("status", String(16), nullable=False),
    Column("applied_by", String(200), nullable=False),
    Column("accepted_by", String(200)),
    Column("accepted_at", DateTime(timezone=True)),
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("note", Text),
    # Acceptance is due first; once accepted, the decision.
    Column("due", Date, nullable=False),
    Column("due_estimated", Boolean, nullable=False, default=False),
    Column("overdue_at", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_repairs_status_due", "status", "due"),
    CheckConstraint(_in("status", REPAIR_STATUSES), name="status"),
)

# Append-only (database triggers): every transition of every workflow, with who, when and why.
workflow_events = Table(
    "workflow_events",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workflow", String(16), nullable=False),
    Column("item_id", Id, nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("department", String(64)),
    Column("role", String(16)),
    Column("note", Text),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_workflow_events_workflow_item_id", "workflow", "item_id", "id"),
    CheckConstraint(_in("workflow", WORKFLOWS), name="workflow"),
)

#: Documents and photographs of a case (evidence of a repair, the verification's findings, a
#: report's investigation). Append-only (database triggers): a file once attached stays as it
#: was; its SHA-256 is also in the audit chain.
case_attachments = Table(
    "case_attachments",
    metadata,
    Column("id", Id, primary_key=True),
    Column("workflow", String(16), nullable=False),
    Column("item_id", Id, nullable=False),
    Column("name", String(200), nullable=False),
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("department", String(64)),
    Column("role", String(16)),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Index("ix_case_attachments_workflow_item_id", "workflow", "item_id", "id"),
    CheckConstraint(_in("workflow", WORKFLOWS), name="workflow"),
)

#: Events of an entry that implementing departments are told of.
MESSAGE_EVENTS = (
    "entry.listed",
    "entry.changed",
    "entry.suspended",
    "entry.resumed",
    "entry.ended",
    "entry.corrected",
)
#: Webhook delivery of a message: ``feed``: the department has no webhook and reads the feed.
DELIVERY_STATES = ("pending", "delivered", "failed", "feed")

# The outbox: one row per message and receiving department, written in the transaction of the
# change it announces. Its id is the feed's cursor.
messages = Table(
    "messages",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False),
    Column("event", String(32), nullable=False),
    Column("reason", String(32)),
    Column("record_id", ForeignKey("credit_records.id"), nullable=False, index=True),
    Column("record_version", Integer, nullable=False),
    Column("subject", String(64), nullable=False),
    Column("list_type", String(64)),
    # The same for every delivery attempt of the message; unique, so that two workers ending the
    # same entry cannot both announce it.
    Column("idempotency_key", String(80), nullable=False, unique=True),
    Column("payload", Json, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("lease_owner", String(64)),
    Column("lease_until", DateTime(timezone=True)),
    Column("delivered_at", DateTime(timezone=True)),
    Column("last_error", Text),
    # The feed's order: given once the message is committed (store.messages.sequence), so that
    # a reader never passes a message that commits later than one it has already read, which
    # ids alone cannot promise on PostgreSQL (ids are drawn before commit, commits interleave).
    Column("position", BigInteger),
    Index("ix_messages_department_id", "department", "id"),
    Index("ix_messages_department_position", "department", "position"),
    Index("ix_messages_position", "position", unique=True),
    Index("ix_messages_state_next_attempt_at", "state", "next_attempt_at"),
    # The statistics' summary counts a day's messages again when feedback comes (stats_pushes).
    Index("ix_messages_created_at", "created_at"),
    CheckConstraint(_in("event", MESSAGE_EVENTS), name="event"),
    CheckConstraint(_in("state", DELIVERY_STATES), name="state"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False, unique=True),
    Column("url", String(1000), nullable=False),
    # The HMAC secret, sealed under the webhook key file: the platform must sign with it.
    Column("secret_ciphertext", Text, nullable=False),
    # List types the department asks for beyond those it implements measures on.
    Column("list_types", Json, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

#: How far each department has read its feed: the cursor it last asked from.
feed_cursors = Table(
    "feed_cursors",
    metadata,
    Column("department", String(64), primary_key=True),
    Column("cursor", BigInteger, nullable=False),
    Column("read_at", DateTime(timezone=True), nullable=False),
)

#: Enforcement feedback (执行反馈): what an implementing department did with an entry or a check.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Id, primary_key=True),
    Column("department", String(64), nullable=False),
    Column("message_id", ForeignKey("messages.id"), index=True),
    Column("record_id", ForeignKey("credit_records.id"), index=True),
    # The audit row of the check the feedback is about.
    Column("audit_id", Id),
    Column("subject", String(64), nullable=False),
    Column("measure", String(64)),
    Column("applied", Boolean, nullable=False),
    Column("matter", String(64)),
    Column("case_reference", String(200)),
    Column("acted_on", Date, nullable=False),
    Column("reason", Text),
    Column("submitted_by", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_feedback_department_created_at", "department", "created_at"),
)

#: Department staff who sign in to the web console (separate from the API keys of systems).
staff_accounts = Table(
    "staff_accounts",
    metadata,
    Column("id", Id, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(200)),
    Column("department", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    # argon2id, in the PHC string format (algorithm, parameters, salt and hash in one).
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),
    CheckConstraint(_in("role", ROLES), name="role"),
)

#: Signed-in console sessions. The cookie carries a random token; only its SHA-256 is kept, so a
#: copy of the database opens no session.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("account_id", ForeignKey("staff_accounts.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("user_agent", String(300)),
)

#: Signed-in self-service sessions of subjects (``/me``): the subject's identifier, and the
#: SHA-256 of the cookie's random token only, as for staff sessions.
subject_sessions = Table(
    "subject_sessions",
    metadata,
    Column("id", Id, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("subject", String(64), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
    Column("method", String(64), nullable=False),
    Column("user_agent", String(300)),
)


# -- public credit comprehensive evaluation (issue 7) -------------------------------------------

#: The current grade of each organisation under the scorecard (docs/grading.md).
credit_grades = Table(
    "credit_grades",
    metadata,
    Column("id", Id, primary_key=True),
    Column("subject_id", ForeignKey("subjects.id"), nullable=False, unique=True),
    Column("score", Float, nullable=False),
    Column("grade", String(8), nullable=False),
    # The scorecard's version and content digest (grading.Scorecard.label).
    Column("scorecard", String(80), nullable=False),
    # Every indicator's count, points and records (grading.Evaluation.explanation).
    Column("explanation", Json, nullable=False),
    Column("as_of", Date, nullable=False),
    # The first day on which time alone may change the grade (an entry expires, a penalty
    # leaves its window): ``grade --all`` recomputes it then. Null: never.
    Column("stale_on", Date),
    # Digest of the (id, version) of every record the evaluation read.
    Column("fingerprint", String(32), nullable=False),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Index("ix_credit_grades_stale_on", "stale_on"),
    Index("ix_credit_grades_grade", "grade"),
)

# Append-only (database triggers): every change of a subject's grade or score.
credit_grade_history = Table(
    "credit_grade_history",
    metadata,
    Column("id", Id, primary_key=True),
    Column("subject_id", ForeignKey("subjects.id"), nullable=False),
    Column("grade_before", String(8)),
    Column("grade_after", String(8), nullable=False),
    Column("score_before", Float),
    Column("score_after", Float, nullable=False),
    Column("scorecard", String(80), nullable=False),
    # Why it was recomputed: first, records, time, scorecard, full.
    Column("reason", String(16), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_credit_grade_history_subject_id_id", "subject_id", "id"),
)

#: Grading runs (``grade --all``): what each saw of record_history, so that the next one
#: recomputes only what changed since.
credit_grade_runs = Table(
    "credit_grade_runs",
    metadata,
    Column("id", Id, primary_key=True),
    Column("scorecard", String(80), nullable=False),
    Column("full", Boolean, nullable=False),
    # The highest record_history id seen, and ranges of ids below it not yet visible then
    # (PostgreSQL draws ids before commit): [[first id, last id, first seen (ISO)], …].
    Column("mark", BigInteger, nullable=False),
    Column("gaps", Json, nullable=False),
    Column("subjects", BigInteger, nullable=False),
    Column("changed", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
)

# -- risk-based random inspection (双随机、一公开; docs/inspection.md) ----------------------------

INSPECTION_STATUSES = ("draft", "published", "closed")

#: An inspection plan: the filter, rates, inspectors and published seed it was drawn with.
inspection_plans = Table(
    "inspection_plans",
    metadata,
    Column("id", Id, primary_key=True),
    # The plan's public code: the day it was drawn and its id (20261129-0001).
    Column("code", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("department", String(64), nullable=False),
    # Hex, 128 bits or more: with the population and rates, it decides the draw.
    Column("seed", String(128), nullable=False),
    Column("filter", Json, nullable=False),
    Column("rates", Json, nullable=False),
    Column("inspectors", Json, nullable=False),
    Column("team", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("population", Integer, nullable=False),
    Column("drawn", Integer, nullable=False),
    Column("unassigned", Integer, nullable=False),
    # SHA-256 of the population as drawn ("identifier,class\n" lines in identifier order).
    Column("population_digest", String(64), nullable=False),
    # Per class: population, drawn, expected (rate × population).
    Column("counts", Json, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Column("results_published_at", DateTime(timezone=True)),
    CheckConstraint(_in("status", INSPECTION_STATUSES), name="status"),
)

#: Every organisation of a plan's population with its class and draw value at draw time;
#: the drawn ones (``selected``) with their inspectors and, later, the result.
inspection_items = Table(
    "inspection_items",
    metadata,
    Column("id", Id, primary_key=True),
    Column("plan_id", ForeignKey("inspection_plans.id"), nullable=False),
    Column("subject_id", ForeignKey("subjects.id"), nullable=False),
    Column("identifier", String(64), nullable=False),
    # The credit grade at draw time, or "ungraded".
    Column("grade", String(16), nullable=False),
    # The draw value: 16 hex digits (docs/inspection.md).
    Column("draw", String(16), nullable=False),
    Column("selected", Boolean, nullable=False),
    # Drawn: [{id, name, department}, …]; an empty list when no team was free of conflict.
    Column("inspectors", Json),
    Column("result", String(24)),
    Column("note", Text),
    Column("result_at", DateTime(timezone=True)),
    UniqueConstraint("plan_id", "subject_id"),
    Index("ix_inspection_items_plan_id_selected", "plan_id", "selected"),
)

# -- summary tables of the statistics (docs/tracking.md, "How the statistics stay fast") --------


def _record_bucket(key: bool) -> list[Column[Any]]:
    """The bucket and the counts of ``stats_records``, and of ``stats_deltas`` which is added to
    it column by column (``key``: the bucket is the primary key)."""
    return [
        Column("month", String(7), primary_key=key, nullable=False),
        Column("department", String(200), primary_key=key, nullable=False),
        Column("kind", String(16), primary_key=key, nullable=False),
        Column("division", String(6), primary_key=key, nullable=False),
        *(
            Column(name, BigInteger, nullable=False)
            for name in ("records", "with_due", "missed", "fields_filled")
        ),
    ]


#: Records per China month (``YYYY-MM`` of ``recorded_at``), data source department, kind and
#: the issuing authority's division (characters 3–8 of its USCC, ``''`` when unknown).
stats_records = Table("stats_records", metadata, *_record_bucket(key=True))

#: Checks (audit rows ``check``) per China month, department and matter (``''``: none given).
stats_checks = Table(
    "stats_checks",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("department", String(64), primary_key=True),
    Column("matter", String(64), primary_key=True),
    Column("checks", BigInteger, nullable=False),
)

#: Messages per China day written, receiving department, event and ``lag``: days from that day
#: to the day of the first feedback on it (-1: none yet, or an event that asks for none).
stats_pushes = Table(
    "stats_pushes",
    metadata,
    Column("day", Date, primary_key=True),
    Column("department", String(64), primary_key=True),
    Column("event", String(32), primary_key=True),
    Column("lag", Integer, primary_key=True),
    Column("messages", BigInteger, nullable=False),
)

#: How far each summary has read its source table: the highest id seen and ranges of ids below
#: it not yet visible then ([[first, last, first seen (ISO)], …], as ``credit_grade_runs``).
stats_sources = Table(
    "stats_sources",
    metadata,
    Column("source", String(32), primary_key=True),
    Column("mark", BigInteger, nullable=False),
    Column("gaps", Json, nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
)

#: Changes to ``stats_records`` written by the transaction that changes the records (a new
#: record counts +1 in its bucket; a correction -1 as it was, +1 as it is), folded into
#: ``stats_records`` by the next refresh and then deleted. Append-only between refreshes: no
#: two imports wait on one summary row.
stats_deltas = Table(
    "stats_deltas",
    metadata,
    Column("id", Id, primary_key=True),
    *_record_bucket(key=False),
    # Folded rows are deleted: without AUTOINCREMENT SQLite would hand their ids out again,
    # below the refresh's mark.
    sqlite_autoincrement=True,
)

#: Months whose records changed without a ``record_history`` row (the publication deadlines
#: filled in for old records): the next refresh counts them again.
stats_stale = Table(
    "stats_stale",
    metadata,
    Column("id", Id, primary_key=True),
    Column("month", String(7), nullable=False),
)
