# The two commands a newcomer needs: `make demo` and `make test`.
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo_out

.PHONY: setup demo test bench clean

setup:
	bash scripts/setup.sh

# Set up, generate a small dataset (4 frames at 256x192, 4 Tx each) and draw its first
# sample; export its radio-textured mesh.
demo: setup
	$(BIN)/synthrm generate --preset city-mix --frames 4 --resolution 256x192 --seed 0 --out $(DEMO_OUT)
	$(BIN)/synthrm show $(DEMO_OUT) --out $(DEMO_OUT)/sample.png
	$(BIN)/synthrm export-ply $(DEMO_OUT) --out $(DEMO_OUT)/sample_radio.ply

# Set up and run the test suite.
# The suite runs in five processes, not one: a single process grew to 18 GB (Sionna / Dr.Jit
# keep memory between tests) and left too little of the 24 GB for the tests that start
# subprocesses (validate-physics, the README quick start); the OOM killer took the run.
# Every tests/test_*.py falls in exactly one group.
TEST_GROUPS = 'tests/test_[a-l]*.py' 'tests/test_m*.py' 'tests/test_[n-q]*.py tests/test_ra*.py' \
	'tests/test_r[b-z]*.py' 'tests/test_[s-z]*.py'
test: setup
	@status=0; for g in $(TEST_GROUPS); do echo "pytest $$g"; $(BIN)/python -m pytest -q $$g || status=1; done; exit $$status

bench: setup
	$(BIN)/python benchmarks/bench_frame.py
	$(BIN)/python benchmarks/bench_radio.py --frames 4

clean:
	rm -rf $(DEMO_OUT) .pytest_cache
