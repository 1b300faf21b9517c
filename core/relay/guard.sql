-- name: guard_admit
-- Both guards in one round trip (it is paid on every message). With $3 (a rate
-- limit is set): one more message in the user's window, a window older than $2
-- seconds starting again with this message; the count, whether the user was told,
-- and the seconds left in the window (all null without $3). With $4 > 0 (a cap on
-- held messages): the user's held messages, counted up to the cap only (the index
-- stops there).
WITH counted AS (
    INSERT INTO user_guard AS g (user_id, window_start, window_count)
    SELECT $1, now(), 1 WHERE $3
    ON CONFLICT (user_id) DO UPDATE SET
        window_start  = CASE WHEN g.window_start <= now() - make_interval(secs => $2) THEN now()
                             ELSE g.window_start END,
        window_count  = CASE WHEN g.window_start <= now() - make_interval(secs => $2) THEN 1
                             ELSE least(g.window_count, 2147483646) + 1 END,
        rate_notified = CASE WHEN g.window_start <= now() - make_interval(secs => $2) THEN false
                             ELSE g.rate_notified END
    RETURNING window_count, rate_notified,
              greatest(extract(epoch FROM g.window_start + make_interval(secs => $2) - now()), 1)::int AS wait
)
SELECT c.window_count, c.rate_notified, c.wait,
       CASE WHEN $4 > 0
            THEN (SELECT count(*) FROM (SELECT 1 FROM messages WHERE user_id = $1 AND status = 'held'
                                        LIMIT $4) held)
            ELSE 0 END AS held
FROM (SELECT 1) one LEFT JOIN counted c ON true;

-- name: guard_rate_notified
UPDATE user_guard SET rate_notified = true WHERE user_id = $1 AND NOT rate_notified RETURNING true;

-- name: guard_held_full_notified
-- $2: the new state; true only once until a message is held again. The row may not
-- exist yet (without a rate limit nothing else writes it).
INSERT INTO user_guard AS g (user_id, window_start, window_count, held_full_notified)
VALUES ($1, now(), 0, $2)
ON CONFLICT (user_id) DO UPDATE SET held_full_notified = $2 WHERE g.held_full_notified <> $2
RETURNING true;
