# 星图 — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DEMO   := demo.db

VERSION     = $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n 1)
DIST_STAMP := $(VENV)/.dist-installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DIST_ZIP    = dist/xingtu-$(VERSION)-linux-x86_64.zip

.PHONY: run test test-all snapshot bench bench-quick demo lint sysdeps clean dist dist-test

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

# the layers (import-linter), ruff's rules on the whole tree, mypy on the core (settings in pyproject.toml)
lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/ruff check .
	$(BIN)/mypy pipeline db importers

test: $(STAMP) sysdeps
	$(BIN)/lint-imports
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(if $(CI),,-m "not slow") $(PYTEST_ARGS)

test-all: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest $(PYTEST_ARGS)

# the one-folder app (PyInstaller, packaging/xingtu.spec): dist/xingtu/ and its zip; PyInstaller is installed
# here only (the [dist] extra), never by make test
$(DIST_STAMP): $(STAMP)
	@echo "正在安装打包工具（PyInstaller）…"
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev,dist]'
	@rm -f $(VENV)/.dist-installed-*
	@touch $@

dist: $(DIST_STAMP) sysdeps
	rm -rf dist/xingtu build/pyinstaller
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller packaging/xingtu.spec
	$(BIN)/python packaging/buildinfo.py zip dist/xingtu $(DIST_ZIP)
	@du -sh dist/xingtu

# smoke test of the frozen program as people receive it: the zip, unpacked elsewhere (.ci/smoke_dist.sh)
dist-test: $(DIST_STAMP) sysdeps
	@test -f $(DIST_ZIP) || { echo "没有 $(DIST_ZIP)：先运行 make dist"; exit 1; }
	@rm -rf build/unzipped && mkdir -p build/unzipped
	@if command -v unzip >/dev/null; then unzip -q $(DIST_ZIP) -d build/unzipped; \
	 else $(BIN)/python packaging/buildinfo.py unzip $(DIST_ZIP) build/unzipped; fi
	bash .ci/smoke_dist.sh build/unzipped/xingtu

snapshot: $(STAMP) sysdeps $(DEMO)
	QT_QPA_PLATFORM=offscreen $(BIN)/python main.py snapshot --db $(DEMO) --out shots/

bench: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench $(BENCH_ARGS)

bench-quick: $(STAMP) sysdeps
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m bench --quick

clean:
	rm -rf $(VENV) $(DEMO) $(DEMO)-wal $(DEMO)-shm shots .pytest_cache dist build
