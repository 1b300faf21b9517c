-- users_seen_order_idx (0018) and users_last_seen_idx (0020) are the same
-- index: (last_seen_at DESC NULLS LAST, id DESC). 0020 meant to replace the
-- ascending users_last_seen_at_idx and did, but created a second copy of the
-- one 0018 had added. Every message writes users.last_seen_at, so each copy
-- is one more index entry per message for nothing.
DROP INDEX users_seen_order_idx;
