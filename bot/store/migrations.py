"""The store's schema, as append-only migrations.

Each entry is a name and an SQL script, applied once, in order, atomically with its row in the
``migrations`` table (``Database.migrate`` in ``db.py``). Stores created by older versions are
upgraded by applying the entries they lack, so an entry is never edited, renamed, reordered or
removed: the schema changes only by appending one. ``len(MIGRATIONS)`` is the schema version.
"""

from __future__ import annotations

# Append-only: (name, SQL script). Each runs once, atomically with its bookkeeping row.
MIGRATIONS: list[tuple[str, str]] = []


def migration(name: str, sql: str) -> None:
    MIGRATIONS.append((name, sql))


migration(
    "m001_papers_events_announcements",
    """
        CREATE TABLE papers (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            title_raw TEXT NOT NULL DEFAULT '',
            abstract TEXT NOT NULL DEFAULT '',
            abstract_raw TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL,            -- JSON [[name, member_id|null, former], ...]
            arxiv_id TEXT,
            doi TEXT,
            openreview_id TEXT,
            links TEXT NOT NULL,              -- JSON of models.Links
            published_on TEXT,
            content_hash TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        -- every identifier a paper is known by: arxiv, doi, openreview, title
        CREATE TABLE paper_keys (
            kind TEXT NOT NULL,
            value TEXT NOT NULL,
            paper_id TEXT NOT NULL REFERENCES papers(id),
            PRIMARY KEY (kind, value)
        );
        CREATE INDEX paper_keys_paper ON paper_keys(paper_id);
        CREATE TABLE venue_events (
            paper_id TEXT NOT NULL REFERENCES papers(id),
            venue_key TEXT NOT NULL,
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            track TEXT NOT NULL,
            workshop TEXT,
            workshop_name TEXT,
            presentation TEXT,
            status TEXT NOT NULL,
            accepted_on TEXT,
            source TEXT NOT NULL,
            first_seen_at TEXT NOT NULL,
            accepted_seen_at TEXT,            -- when first seen accepted: what makes it "new"
            baseline_at TEXT,                 -- adopted as already announced (init --mark-announced)
            updated_at TEXT NOT NULL,
            PRIMARY KEY (paper_id, venue_key)
        );
        CREATE INDEX venue_events_status ON venue_events(status);
        CREATE TABLE announcements (
            paper_id TEXT NOT NULL,
            venue_key TEXT NOT NULL,
            channel TEXT NOT NULL,
            announced_at TEXT NOT NULL,
            remote_id TEXT,
            remote_url TEXT,
            PRIMARY KEY (paper_id, venue_key, channel),
            FOREIGN KEY (paper_id, venue_key) REFERENCES venue_events(paper_id, venue_key)
        );
        CREATE TABLE source_state (
            source TEXT PRIMARY KEY,
            cursor TEXT,
            last_run_at TEXT,
            last_ok_at TEXT,
            last_error TEXT
        );
        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL);
    """,
)


migration(
    "m002_outbox_digests_subscribers",
    """
        -- every message publishing sends, recorded before it is sent
        CREATE TABLE outbox (
            key TEXT PRIMARY KEY,             -- deterministic; Mastodon's Idempotency-Key
            channel TEXT NOT NULL,
            kind TEXT NOT NULL,               -- post | thread_part | email_batch
            paper_id TEXT,
            venue_key TEXT,
            part INTEGER NOT NULL DEFAULT 1,
            parts INTEGER NOT NULL DEFAULT 1,
            thread_key TEXT,                  -- key of part 1 of a thread
            digest_id TEXT,
            batch_no INTEGER,
            first_subscriber INTEGER,
            last_subscriber INTEGER,
            recipients INTEGER,
            text TEXT NOT NULL DEFAULT '',
            spoiler_text TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'uncertain')),
            attempts INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            remote_id TEXT,
            remote_url TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            first_attempt_at TEXT,
            sent_at TEXT
        );
        CREATE INDEX outbox_channel_state ON outbox(channel, state);
        CREATE INDEX outbox_pair ON outbox(paper_id, venue_key, channel);
        CREATE INDEX outbox_digest ON outbox(digest_id, batch_no);
        CREATE TABLE digests (
            id TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            html TEXT NOT NULL,
            pairs TEXT NOT NULL,              -- JSON [[paper_id, venue_key], ...]
            state TEXT NOT NULL CHECK (state IN ('sending', 'done')),
            next_subscriber INTEGER NOT NULL DEFAULT 0,  -- batches take subscribers with a larger id
            created_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE TABLE subscribers (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            email TEXT NOT NULL UNIQUE,       -- lowercased
            name TEXT,
            token TEXT NOT NULL UNIQUE,       -- opaque, for per-recipient unsubscribe links
            status TEXT NOT NULL CHECK (status IN ('active', 'unsubscribed')),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            unsubscribed_at TEXT
        );
        CREATE INDEX subscribers_status ON subscribers(status, id);
    """,
)


migration(
    "m003_outbox_sent_index",
    """
        -- the account's status quota counts recent sends: without this it scans every post ever sent
        CREATE INDEX outbox_sent ON outbox(channel, state, sent_at);
    """,
)

migration(
    "m004_outbox_delivered_through",
    """
        -- SMTP mails a batch one recipient at a time: the last subscriber id confirmed delivered,
        -- so a batch interrupted by a crash resumes after it instead of from its start
        ALTER TABLE outbox ADD COLUMN delivered_through INTEGER;
    """,
)


migration(
    "m005_papers_et_al",
    """
        -- the source's author list ended in "and others": shown as "et al."
        ALTER TABLE papers ADD COLUMN et_al INTEGER NOT NULL DEFAULT 0;
    """,
)


migration(
    "m006_email_recipients",
    """
        -- SMTP recipients of a batch that did not simply get the digest: a 4xx deferred them (a
        -- later run tries again), a 5xx refused them for good. Delivered recipients need no row
        -- (delivered_through covers them); a deferred one that gets through later is marked sent.
        CREATE TABLE email_recipients (
            batch_key TEXT NOT NULL REFERENCES outbox(key),
            subscriber_id INTEGER NOT NULL,
            state TEXT NOT NULL CHECK (state IN ('deferred', 'failed', 'sent')),
            code INTEGER,                     -- the server's last reply code (0: none)
            error TEXT,                       -- and its text
            attempts INTEGER NOT NULL DEFAULT 1,
            first_at TEXT NOT NULL,           -- first refusal: a deferral gives up after a while
            updated_at TEXT NOT NULL,
            PRIMARY KEY (batch_key, subscriber_id)
        );
        CREATE INDEX email_recipients_state ON email_recipients(state, batch_key);
    """,
)


migration(
    "m007_job_runs_leases",
    """
        -- every run of a daemon job (and of the digest by 'paperbot run'): what the schedule decides from
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            job TEXT NOT NULL,                -- check | posts | digest | pages
            fire_time TEXT,                   -- the scheduled time it ran for
            started_at TEXT NOT NULL,
            finished_at TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'skipped', 'interrupted')),
            counts TEXT NOT NULL DEFAULT '{}', -- JSON, e.g. {"new": 3} or {"sent": 2}
            error TEXT,
            runner TEXT NOT NULL DEFAULT 'daemon'  -- daemon | run
        );
        CREATE INDEX job_runs_job ON job_runs(job, id);
        -- one daemon per store: a lease its holder renews (heartbeat) before it expires
        CREATE TABLE leases (
            name TEXT PRIMARY KEY,
            token TEXT NOT NULL,              -- this holder's random id
            pid INTEGER NOT NULL,
            host TEXT NOT NULL,
            acquired_at TEXT NOT NULL,
            heartbeat_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
    """,
)


migration(
    "m008_review_queue",
    """
        -- [publishing] mode = "review": every new message waits here for an editor's decision
        CREATE TABLE review (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- what 'paperbot review approve ID' takes
            key TEXT NOT NULL UNIQUE,         -- the message's deterministic key (the outbox key, or the digest id)
            channel TEXT NOT NULL,            -- mastodon | email
            kind TEXT NOT NULL,               -- post | thread_part | digest
            paper_id TEXT,
            venue_key TEXT,
            part INTEGER NOT NULL DEFAULT 1,
            parts INTEGER NOT NULL DEFAULT 1,
            message TEXT NOT NULL,            -- JSON of the message as composed
            text TEXT NOT NULL,               -- what will be sent: as composed, or as edited
            state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'superseded', 'queued')),
            edited_by TEXT,
            edited_at TEXT,
            decided_by TEXT,
            decided_at TEXT,
            reason TEXT,                      -- why it was rejected
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX review_state ON review(channel, state, id);
    """,
)


migration(
    "m009_channel_pause",
    """
        -- a channel whose credentials keep being refused (401/403, SMTP 535) is paused until
        -- 'paperbot resume CHANNEL' or a config reload, instead of being tried at every run
        CREATE TABLE channel_health (
            channel TEXT PRIMARY KEY,
            auth_failures INTEGER NOT NULL DEFAULT 0,  -- consecutive runs refused for credentials
            last_error TEXT,
            last_failure_at TEXT,
            paused_at TEXT,                   -- NULL: not paused
            paused_reason TEXT
        );
    """,
)
