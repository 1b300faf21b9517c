-- name: readiness_can_record
SELECT pg_is_in_recovery() AS in_recovery,
       current_setting('transaction_read_only') = 'on' AS read_only,
       coalesce((SELECT bool_and(CASE WHEN to_regclass(t) IS NULL THEN false
                                      ELSE has_table_privilege(t, 'INSERT') END)
                 FROM unnest(ARRAY['inbox', 'procrastinate_jobs', 'metric_counters']) AS t), false)
           AS may_insert;
