-- Gatehouse schema. Instants are timestamptz; a zero Go time is NULL, which
-- every "expires_at > now" test treats as already expired. Lists are text[].
-- Expiry columns are indexed for the sweeper.

CREATE TABLE clients (
    id                         text PRIMARY KEY,
    secret_hash                text NOT NULL DEFAULT '',
    name                       text NOT NULL DEFAULT '',
    redirect_uris              text[],
    grant_types                text[],
    response_types             text[],
    token_endpoint_auth_method text NOT NULL DEFAULT '',
    scopes                     text[],
    application_type           text NOT NULL DEFAULT '',
    client_uri                 text NOT NULL DEFAULT '',
    logo_uri                   text NOT NULL DEFAULT '',
    contacts                   text[],
    metadata_document          boolean NOT NULL DEFAULT false,
    created_at                 timestamptz
);

CREATE TABLE grants (
    id         text PRIMARY KEY,
    client_id  text NOT NULL DEFAULT '',
    subject    text NOT NULL DEFAULT '',
    scopes     text[],
    resource   text NOT NULL DEFAULT '',
    created_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX grants_subject_created_idx ON grants (subject, created_at, id);
CREATE INDEX grants_expires_idx ON grants (expires_at);

CREATE TABLE auth_codes (
    hash               text PRIMARY KEY,
    grant_id           text NOT NULL DEFAULT '',
    client_id          text NOT NULL DEFAULT '',
    subject            text NOT NULL DEFAULT '',
    redirect_uri       text NOT NULL DEFAULT '',
    redirect_uri_given boolean NOT NULL DEFAULT false,
    code_challenge     text NOT NULL DEFAULT '',
    scopes             text[],
    resource           text NOT NULL DEFAULT '',
    expires_at         timestamptz,
    used_at            timestamptz
);
CREATE INDEX auth_codes_expires_idx ON auth_codes (expires_at);

-- A rotated token stays until its own expiry so that a second use is
-- recognised as reuse; successor and sealed_successor serve the grace retry.
CREATE TABLE refresh_tokens (
    hash             text PRIMARY KEY,
    grant_id         text NOT NULL DEFAULT '',
    client_id        text NOT NULL DEFAULT '',
    scopes           text[],
    expires_at       timestamptz,
    rotated_at       timestamptz,
    successor        text NOT NULL DEFAULT '',
    sealed_successor bytea,
    grace_used_at    timestamptz
);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

CREATE TABLE revocations (
    key   text PRIMARY KEY,
    until timestamptz
);
CREATE INDEX revocations_until_idx ON revocations (until);

CREATE TABLE auth_requests (
    id                 text PRIMARY KEY,
    client_id          text NOT NULL DEFAULT '',
    redirect_uri       text NOT NULL DEFAULT '',
    redirect_uri_given boolean NOT NULL DEFAULT false,
    state              text NOT NULL DEFAULT '',
    code_challenge     text NOT NULL DEFAULT '',
    scopes             text[],
    resource           text NOT NULL DEFAULT '',
    browser_hash       text NOT NULL DEFAULT '',
    csrf_hash          text NOT NULL DEFAULT '',
    subject            text NOT NULL DEFAULT '',
    expires_at         timestamptz
);
CREATE INDEX auth_requests_expires_idx ON auth_requests (expires_at);

CREATE TABLE consents (
    subject    text NOT NULL,
    client_id  text NOT NULL,
    scopes     text[],
    granted_at timestamptz,
    PRIMARY KEY (subject, client_id)
);

CREATE TABLE sessions (
    id_hash    text PRIMARY KEY,
    kind       text NOT NULL DEFAULT '',
    subject    text NOT NULL DEFAULT '',
    client_id  text NOT NULL DEFAULT '',
    created_at timestamptz,
    last_used  timestamptz,
    expires_at timestamptz
);
CREATE INDEX sessions_subject_kind_idx ON sessions (subject, kind, expires_at);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE signing_keys (
    id          text PRIMARY KEY,
    algorithm   text NOT NULL DEFAULT '',
    private_jwk bytea,
    created_at  timestamptz,
    retired_at  timestamptz,
    expires_at  timestamptz
);

-- Rate-limit counters are worth no WAL: after a crash or a failover they
-- start again from zero, which only forgives one window.
CREATE UNLOGGED TABLE rate_limits (
    key          text NOT NULL,
    window_ns    bigint NOT NULL,
    window_start bigint NOT NULL,
    count        integer NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (key, window_ns, window_start)
);
CREATE INDEX rate_limits_expires_idx ON rate_limits (expires_at);

CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz,
    subject     text NOT NULL DEFAULT '',
    client_id   text NOT NULL DEFAULT '',
    tool        text NOT NULL DEFAULT '',
    transport   text NOT NULL DEFAULT '',
    outcome     text NOT NULL DEFAULT '',
    reason      text NOT NULL DEFAULT '',
    duration_ns bigint NOT NULL DEFAULT 0,
    arguments   jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
