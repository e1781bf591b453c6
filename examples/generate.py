"""Write a synthetic staff profile CSV.

Usage: python examples/generate.py [--count N] [--seed S] OUT.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    from mentorship.demo.synthetic import generate_staff, write_staff_csv
except ImportError:
    # Run from a checkout without installing the package: import from the repository root.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from mentorship.demo.synthetic import generate_staff, write_staff_csv


def main(argv: list[str] | None = None) -> int:
    """Parse the command line, generate the rows and write the CSV."""
    parser = argparse.ArgumentParser(description="Write synthetic library staff profiles as CSV.")
    parser.add_argument("--count", type=int, default=150, help="number of people (default 150)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("out", type=Path, metavar="OUT.csv", help="the CSV file to write")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be zero or more")
    rows = generate_staff(args.count, seed=args.seed)
    write_staff_csv(args.out, rows)
    print(f"wrote {len(rows)} people to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
