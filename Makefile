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
test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python benchmarks/bench_frame.py
	$(BIN)/python benchmarks/bench_radio.py --frames 4

clean:
	rm -rf $(DEMO_OUT) .pytest_cache
