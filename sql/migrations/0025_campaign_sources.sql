-- Campaigns, continued: albums to broadcast.

-- The items of albums operators send to an admin group (core.admin.campaign_albums):
-- Telegram delivers an album as separate messages sharing a media_group_id, and a
-- reply names only one of them, so /broadcast finds the others here. Only
-- operators' albums in the group's General topic are kept (a few rows a day).
CREATE TABLE campaign_album_items (
    chat_id        bigint NOT NULL,
    message_id     integer NOT NULL,
    media_group_id text NOT NULL,
    kind           text NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (chat_id, message_id)
);

CREATE INDEX campaign_album_items_group_idx ON campaign_album_items (chat_id, media_group_id);
