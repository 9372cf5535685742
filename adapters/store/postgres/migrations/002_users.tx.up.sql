-- Users the admin CLI manages (gatehouse users ...). Configured users stay
-- in the configuration; these are the ones a running deployment keeps.
CREATE TABLE users (
    username      text PRIMARY KEY,
    password_hash text NOT NULL DEFAULT '',
    scopes        text[],
    disabled      boolean NOT NULL DEFAULT false,
    created_at    timestamptz,
    updated_at    timestamptz
);
