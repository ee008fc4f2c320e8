# 星图 — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DEMO   := demo.db

.PHONY: run test test-all snapshot bench bench-quick demo lint sysdeps clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "正在安装依赖到 $(VENV)/ …"
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

sysdeps:
	@sh .ci/sysdeps.sh

$(DEMO): | $(STAMP)
	$(BIN)/python main.py demo --db $(DEMO)

demo: $(DEMO)

run: $(STAMP) sysdeps $(DEMO)
	@if [ -z "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ "$$(uname)" = "Linux" ]; then \
		echo "没有可用的屏幕（未设置 DISPLAY）：桌面程序无法在此打开。"; \
		echo "可改用 make snapshot 把各界面渲染为 PNG（shots/ 文件夹）。"; \
		exit 1; fi
	$(BIN)/python main.py --db $(DEMO)

lint: $(STAMP)
	$(BIN)/lint-imports

test: $(STAMP) sysdeps
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(if $(CI),,-m "not slow") $(PYTEST_ARGS)

test-all: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

snapshot: $(STAMP) sysdeps $(DEMO)
	QT_QPA_PLATFORM=offscreen $(BIN)/python main.py snapshot --db $(DEMO) --out shots/

bench: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) $(DEMO) $(DEMO)-wal $(DEMO)-shm shots .pytest_cache
