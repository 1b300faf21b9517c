-- name: files_create
INSERT INTO desk_files (kind, file_name) VALUES ($1, $2) RETURNING id;

-- name: files_add_part
INSERT INTO desk_file_parts (file_id, seq, data) VALUES ($1, $2, $3);

-- name: files_finish
UPDATE desk_files SET size = $2, rows = $3 WHERE id = $1;

-- name: files_get
SELECT id, kind, file_name, size, rows FROM desk_files WHERE id = $1;

-- name: files_part
SELECT data FROM desk_file_parts WHERE file_id = $1 AND seq = $2;

-- name: files_prune
DELETE FROM desk_files WHERE created_at < now() - make_interval(hours => $1);
