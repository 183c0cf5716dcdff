"""Database tricks, fenced: bulk inserts, ``INSERT ... SELECT``, unnest arrays and session
settings that services use instead of the ORM where a benchmark under ``bench/`` showed the
ORM's cost. Each helper names the benchmark that justifies it; services call them and read
as business steps."""
