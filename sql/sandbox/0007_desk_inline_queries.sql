-- The stand-in Telegram answers inline queries too (the desk's quick replies
-- offered as "@bot refund" in a topic): the results the bot gave, as Bot API JSON.
ALTER TABLE sandbox_query_answers DROP CONSTRAINT sandbox_query_answers_kind_check;
ALTER TABLE sandbox_query_answers
    ADD CONSTRAINT sandbox_query_answers_kind_check
        CHECK (kind IN ('callback_query', 'pre_checkout_query', 'inline_query')),
    ADD COLUMN results jsonb;
