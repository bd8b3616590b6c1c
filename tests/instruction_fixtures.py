"""What the instruction tests take from `tools/` (not runtime code): the IFEval response generator, shared with
`benchmarks/ifeval_throughput.py`, and the generator of docs/instructions.md's tables."""
import sys
from pathlib import Path

TOOLS = Path(__file__).resolve().parents[1] / "tools"
if str(TOOLS) not in sys.path:
    sys.path.insert(0, str(TOOLS))  # tools/ holds scripts, not a package (as benchmarks/math_fuzz.py does)

import make_instruction_docs  # noqa: E402
from ifeval_responses import synthesize  # noqa: E402

__all__ = ["make_instruction_docs", "synthesize"]
