# Local services the load benchmark measures the Redis and Postgres stores
# against; unset or unreachable ones are skipped with a note.
GATEHOUSE_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
GATEHOUSE_TEST_POSTGRES_DSN ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
BENCH_FLAGS ?=

.PHONY: bench
# Loopback load benchmark (cmd/gatehouse-bench): a Markdown table on stdout
# and bench-results.json. Pass e.g. BENCH_FLAGS='-scenarios token/*'.
bench:
	@GATEHOUSE_TEST_REDIS_URL='$(GATEHOUSE_TEST_REDIS_URL)' \
	GATEHOUSE_TEST_POSTGRES_DSN='$(GATEHOUSE_TEST_POSTGRES_DSN)' \
	go run ./cmd/gatehouse-bench -out bench-results.json $(BENCH_FLAGS)
