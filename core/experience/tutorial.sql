-- name: tutorial_step
-- Progress is kept until the tour is finished, so it resumes where it was left.
UPDATE users SET tutorial_step = $2, updated_at = now()
WHERE id = $1 AND NOT tutorial_completed;

-- name: tutorial_complete
-- True the first time only.
UPDATE users SET tutorial_completed = true, tutorial_step = $2, updated_at = now()
WHERE id = $1 AND NOT tutorial_completed
RETURNING true;

-- name: tutorial_bonus_granted
UPDATE users SET tutorial_bonus_granted = true WHERE id = $1;
