-- The user experience: chosen language, the onboarding tour's bonus, resets
-- for testing, and the settings that drive them. The tour's progress
-- (tutorial_step, tutorial_completed) and last_low_credit_warning_at exist
-- since 0002.

ALTER TABLE users
    -- The language the user picked with /language (a catalog code such as
    -- 'pt'); NULL follows their Telegram language_code.
    ADD COLUMN IF NOT EXISTS language text CHECK (language ~ '^[a-z]{2,3}$'),
    -- Set with the ledger row 'tutorial_bonus:<id>', whose key makes the grant
    -- once-only; kept here to word the tour without reading the ledger.
    ADD COLUMN IF NOT EXISTS tutorial_bonus_granted boolean NOT NULL DEFAULT false;

-- Every /reset a user ran on their own account. Ledger rows are never deleted:
-- the balance change is itself a ledger row (reason 'reset'); this row keeps
-- what else was reset, for operators.
CREATE TABLE IF NOT EXISTS account_resets (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES users (id),
    -- The request that asked for it (the update), so a redelivery resets once.
    request_key         text NOT NULL UNIQUE,
    credits_before      bigint NOT NULL,
    credits_after       bigint NOT NULL,
    tutorial_step       integer NOT NULL,
    tutorial_completed  boolean NOT NULL,
    held_refused        integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS account_resets_user_idx ON account_resets (user_id, id);

INSERT INTO bot_settings (key, value) VALUES
    ('tutorial_bonus_credits', '2'),
    ('low_credit_threshold', '2'),
    ('low_credit_warning_hours', '24'),
    ('reset_enabled', 'false'),
    ('welcome_text', '{}')
ON CONFLICT (key) DO NOTHING;
