-- name: commands_set
INSERT INTO sandbox_bot_commands (scope, language_code, commands) VALUES ($1, $2, $3)
ON CONFLICT (scope, language_code) DO UPDATE SET commands = EXCLUDED.commands, updated_at = now();

-- name: commands_delete
DELETE FROM sandbox_bot_commands WHERE scope = $1 AND language_code = $2;

-- name: commands_all
SELECT scope, language_code, commands FROM sandbox_bot_commands;
