-- The stand-in Telegram's webhook, as setWebhook leaves it and getWebhookInfo
-- reports it (core/sandbox/telegram/bot_api.py). Tests set the pending count
-- and the last error to see them in /metrics.
CREATE TABLE sandbox_webhook (
    only_row             boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    url                  text NOT NULL DEFAULT '',
    secret_token         text,
    max_connections      integer NOT NULL DEFAULT 40,
    allowed_updates      text[],
    pending_update_count integer NOT NULL DEFAULT 0,
    last_error_at        timestamptz,
    last_error_message   text,
    updated_at           timestamptz NOT NULL DEFAULT now()
);
