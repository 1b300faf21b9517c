-- name: rails_settings_all
SELECT key, value FROM bot_settings;
