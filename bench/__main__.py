"""``python -m bench``: run the benchmarks and write docs/benchmarks.md.

python -m bench                 # every benchmark this machine can run
python -m bench quality prompt  # some of them
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

from bench import prompt_cost, quality

REPORT = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def _mark(ok: bool) -> str:
    return "met" if ok else "MISSED"


def section_quality() -> str:
    r = quality.run(1000)
    return f"""## 5. Rule-based generator quality ({r.requests} random requests)

All types, levels, coaches, units, durations 10-180 min and equipment subsets.

| measure | result | target |
|---|---|---|
| within 10% of the duration | {r.within_10pct:.1%} | 100% ({_mark(r.within_10pct == 1)}) |
| only the available equipment | {r.equipment_ok:.1%} | 100% ({_mark(r.equipment_ok == 1)}) |
| passes the validation AI answers get | {r.validation_ok:.1%} | - |
| median distinct exercises per workout | {r.median_distinct:g} | - |
| time per workout, p50 / max | {r.ms_p50:.2f} ms / {r.ms_max:.1f} ms | - |

Furthest from its target: {r.worst}.
"""


def section_prompt() -> str:
    c = prompt_cost.run()
    ok = c.uncached_chars <= 2000
    return f"""## 4. Prompt cost per request

A typical request: intermediate lifter, full profile with a limitation, 5 workouts of
history. Tokens estimated at 4 characters each.

| part | characters | ~tokens |
|---|---|---|
| cached prefix (tool schema, rules, nine coach voices) | {c.cached_chars} | {c.cached_tokens} |
| uncached (request, profile, history) | {c.uncached_chars} | {c.uncached_tokens} |

Target: uncached part at most 2,000 characters: {_mark(ok)}.
"""


SECTIONS: dict[str, Callable[[], str]] = {"quality": section_quality, "prompt": section_prompt}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", choices=[*SECTIONS, []], default=[])
    args = parser.parse_args(argv)
    names = args.names or list(SECTIONS)
    header = (
        "# Benchmarks\n\n"
        f"Written by `python -m bench` on {dt.date.today().isoformat()}; machine: "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}.\n\n"
    )
    body = "\n".join(SECTIONS[name]() for name in names)
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text(header + body)
    sys.stdout.write(header + body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
