# Podium backend. `make dev` runs it locally, `make test` runs every test. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CARGO ?= cargo
# nextest when installed (one process per test, clearer output), plain cargo test otherwise.
TEST_RUNNER := $(shell $(CARGO) nextest --version >/dev/null 2>&1 && echo "nextest run" || echo test)

.PHONY: help dev test seed console token rehearse-cutover stack-test image stack stack-down client-check build deploy rollback migrate-remote backfill-remote migrate backfill migration schema openapi lint fmt dev-db dev-db-stop

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

dev: ## Run locally: PostgreSQL, migrations, and the API on one origin, http://127.0.0.1:8000 (PORT=)
	@scripts/dev

test: ## Run every test against a throwaway PostgreSQL (or the server in $DATABASE_URL)
	@scripts/ensure-cargo-lambda
	scripts/pg run -- $(CARGO) $(TEST_RUNNER) --workspace --no-fail-fast

seed: migrate ## Fill the local database with a small demo (series, events in every phase, teams, votes, a superadmin); idempotent
	@url="$$(scripts/dev-db)" && PODIUM_DATABASE_URL="$$url" PODIUM_ACTIVE_EVENT_SERIES="$${PODIUM_ACTIVE_EVENT_SERIES-test-series}" \
		$(CARGO) run -q -p podium-console -- seed $(if $(FORCE),--force)

console: ## The operator console (terminal UI) on the local database; `cargo run -p podium-console -- --help` for its commands
	@url="$$(scripts/dev-db)" && PODIUM_DATABASE_URL="$$url" PODIUM_ACTIVE_EVENT_SERIES="$${PODIUM_ACTIVE_EVENT_SERIES-test-series}" \
		$(CARGO) run -q -p podium-console

token: ## An access token for a local user, as `make dev` signs them: make -s token EMAIL=ada@example.com
	@url="$$(scripts/dev-db)" && PODIUM_DATABASE_URL="$$url" PODIUM_JWT_SECRET="$${PODIUM_JWT_SECRET:-podium-local-development-secret}" \
		$(CARGO) run -q -p podium-console -- token "$(EMAIL)"

stack-test: ## Build the images, bring the compose stack up with podman, drive the journey through its gateway, tear it down (CI)
	@scripts/stack-test

image: ## One OCI image per function from Containerfile (same binaries as the zips), sizes printed; BASE= for another base
	@scripts/image

stack: ## Self-hosting: images, .env with fresh secrets if missing, compose.yaml up and healthy on http://localhost:8000
	@scripts/stack up

stack-down: ## Stop the self-hosting stack (VOLUMES=1 also drops its database)
	@scripts/stack down

build: ## One deployable zip per function (cargo lambda build --release, x86_64; ARCH=arm64), sizes printed
	@scripts/build

deploy: ## Build, upload, migrate (stops on a function error), then update the route-group functions: make deploy ENV=prod
	@scripts/deploy "$(ENV)"

rollback: ## Route-group functions back to an earlier deployment's zips: make rollback ENV=prod VERSION=<commit>
	@scripts/rollback "$(ENV)" "$(VERSION)"

migrate-remote: ## Invoke the deployed migrate function: make migrate-remote ENV=prod [PAYLOAD='{"command":"status"}']
	@scripts/invoke "$(ENV)" migrate '$(or $(PAYLOAD),{"command":"up"})'

backfill-remote: ## Invoke the deployed backfill function: make backfill-remote ENV=prod [PAYLOAD='{"from":"airtable","dry_run":true}']
	@scripts/invoke "$(ENV)" backfill '$(or $(PAYLOAD),{"from":"airtable"})'

migrate: ## Bring the local database up to date (PODIUM_DATABASE_URL/DATABASE_URL, else a local cluster)
	@url="$$(scripts/dev-db)" && PODIUM_DATABASE_URL="$$url" $(CARGO) run -q -p migrate -- up

backfill: migrate ## Import Airtable into the local database, idempotently (CSV=dir for a CSV export, DRY_RUN=1 to write nothing)
	@url="$$(scripts/dev-db)" && PODIUM_DATABASE_URL="$$url" $(CARGO) run -q --release -p backfill -- \
		--from $(if $(CSV),csv "$(CSV)",airtable) $(if $(DRY_RUN),--dry-run)

rehearse-cutover: ## Rehearse adopt, the journey and unadopt on a copy of production: make rehearse-cutover DUMP=live.dump
	@scripts/rehearse-cutover "$(DUMP)"

migration: ## Create the next migration pair: make migration name=add_x
	@scripts/new-migration "$(name)"

schema: ## Rewrite migrations/schema/NNN.txt, the expected schema after each migration
	UPDATE_SCHEMA_SNAPSHOTS=1 scripts/pg run -- $(CARGO) test -p podium-tests --test integration -- --exact \
		migrations::up_then_down_then_up_again_matches_the_schema_snapshot_at_every_step

openapi: ## Write the API's OpenAPI document to openapi.json (a test fails when it is stale)
	@# Through a temporary file: the auth function embeds openapi.json, so truncating it first would
	@# rebuild auth around an empty document (and a failed build would leave openapi.json empty).
	$(CARGO) run -q -p podium-tests --bin openapi > openapi.json.tmp || { rm -f openapi.json.tmp; exit 1; }
	mv openapi.json.tmp openapi.json

client-check: ## Generate the frontend's client from the original's and our OpenAPI documents; compare names, type-check the frontends' literals and every operation (needs npm)
	@scripts/check-client

lint: ## rustfmt, clippy and cfn-lint, as CI runs them
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	scripts/lint-infra

fmt: ## Format the code
	$(CARGO) fmt --all

dev-db: ## Start the local development database and print its URL
	@scripts/dev-db

dev-db-stop: ## Stop the local development database
	@scripts/pg stop --dir "$${CARGO_TARGET_DIR:-target}/podium-dev-pg"
