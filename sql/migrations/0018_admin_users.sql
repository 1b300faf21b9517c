-- The Users screens of the control center (core/admin/users_*.py, user_*.py).

-- What an operator typed to find users, kept so the result list can be paged
-- by buttons (a button carries at most 64 bytes; a search can be 100
-- characters of any script). One row per operator and text, reused when the
-- same search is typed again.
CREATE TABLE admin_user_searches (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    operator_id bigint NOT NULL,
    text        text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 100),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (operator_id, text)
);

-- "Sorted by last seen": most recent first, never-seen users last, the id
-- breaking ties so pages do not overlap. users_last_seen_at_idx (ascending,
-- nulls last) read backwards would put the never-seen first.
CREATE INDEX users_seen_order_idx ON users (last_seen_at DESC NULLS LAST, id DESC);
