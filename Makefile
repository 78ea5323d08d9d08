# Two commands on a fresh clone: `make run` and `make test`. Each bootstraps what it needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: signing-key run test lint typecheck schemas install clean browser-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

## run: the whole service on embedded defaults (SQLite + in-process broker + stub adapters);
## each stub partner sends a request now and then, Europol's and the PCCC's spontaneous
## information too, and partners take a few seconds to answer a follow-up (set the rates to 0
## for a quiet desk)
DEMO_INBOUND ?= OSS_ROUTER_ADAPTER_SIRENE_INBOUND_PER_MINUTE=0.5 OSS_ROUTER_ADAPTER_EUROPOL_INBOUND_PER_MINUTE=0.5 OSS_ROUTER_ADAPTER_INTERPOL_INBOUND_PER_MINUTE=0.2 OSS_ROUTER_ADAPTER_LIAISON_OFFICER_INBOUND_PER_MINUTE=0.1 OSS_ROUTER_ADAPTER_PCCC_INBOUND_PER_MINUTE=0.3 OSS_ROUTER_ADAPTER_EUROPOL_SPONTANEOUS_PER_MINUTE=0.1 OSS_ROUTER_ADAPTER_PCCC_SPONTANEOUS_PER_MINUTE=0.05 OSS_ROUTER_ADAPTER_EUROPOL_MESSAGE_ANSWER_DELAY_MS=5000 OSS_ROUTER_ADAPTER_SIRENE_MESSAGE_ANSWER_DELAY_MS=3000
run: install
	env $(DEMO_INBOUND) $(BIN)/oss-router serve

## test: linters, type checks, schema drift, then the full test suite
test: install lint typecheck schemas browser-deps
	$(BIN)/pytest

## browser-deps: Debian's chromium for the browser tests (Playwright drives it; no-op when present)
browser-deps:
	@test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

lint: install
	$(BIN)/ruff check src adapters tests migrations bench
	$(BIN)/ruff format --check src adapters tests migrations bench

typecheck: install
	$(BIN)/mypy

schemas: install
	$(BIN)/oss-router schemas --check

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache

# signing-key: the EC P-256 key the gateway signs OAuth2 client tokens with (docker-compose.yml)
signing-key: install
	mkdir -p var
	test -f var/signing-key.pem || $(BIN)/python -c "from cryptography.hazmat.primitives import serialization as s; from cryptography.hazmat.primitives.asymmetric import ec; open('var/signing-key.pem', 'wb').write(ec.generate_private_key(ec.SECP256R1()).private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))"
	chmod 644 var/signing-key.pem  # read by the container's own user
