"""Team mode: one directory on a PostgreSQL server, field bundles for laptops, referral-log merging and
server credentials kept out of settings and logs."""
