-- name: profile_profile
SELECT language, language_code, tutorial_step, tutorial_completed, tutorial_bonus_granted
FROM users WHERE id = $1;
