"""Lambda's own SnapStart restore times for one published version, from its REPORT log lines.

The deploy workflow publishes a version (Lambda snapshots the imported handler), moves the `live` alias to it and
smoke-checks the API: that first request runs in a new execution environment, restored from the snapshot, and
its REPORT line says how long the restore took ("Restore Duration: 153.09 ms"). The workflow pipes
`aws logs filter-log-events --output json` for the function's log group into this script, which keeps the lines of
the version's own log streams ("2026/12/02/[7]…" for version 7) and prints the count, median and longest restore.

Exit status: 0 with a figure printed; 3 when no restore of that version is logged yet (CloudWatch Logs takes
seconds to show a line: the workflow asks again); 2 for input that is not the CLI's JSON.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections.abc import Iterable

NOT_YET = 3
# A REPORT line's restore fields (SnapStart adds them to the line of the invocation that restored).
_RESTORE = re.compile(r"\bRestore Duration: (?P<restore>\d+(?:\.\d+)?) ms\b"
                      r"(?:.*?\bBilled Restore Duration: (?P<billed>\d+) ms\b)?")


def restores(events: Iterable[dict[str, object]], version: str) -> list[tuple[float, int | None]]:
    """(restore ms, billed restore ms) of each REPORT line logged by `version`'s execution environments."""
    marker = f"/[{version}]"
    found: list[tuple[float, int | None]] = []
    for event in events:
        stream, message = str(event.get("logStreamName", "")), str(event.get("message", ""))
        if marker not in stream or not message.startswith("REPORT "):
            continue
        match = _RESTORE.search(message)
        if match is not None:
            billed = match.group("billed")
            found.append((float(match.group("restore")), int(billed) if billed is not None else None))
    return found


def summary(found: list[tuple[float, int | None]], version: str) -> str:
    times = [restore for restore, _ in found]
    billed = [b for _, b in found if b is not None]
    text = (f"Lambda restores of version {version}: {len(times)}, median {statistics.median(times):.1f} ms, "
            f"longest {max(times):.1f} ms")
    return text + (f" (billed median {statistics.median(billed):.0f} ms)" if billed else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("version", help="the published version whose restores to report")
    args = parser.parse_args(argv)
    try:
        events = json.load(sys.stdin).get("events", [])
    except (ValueError, AttributeError):
        print("expected the JSON of `aws logs filter-log-events --output json` on standard input", file=sys.stderr)
        return 2
    found = restores(events, args.version)
    if not found:
        print(f"no restore of version {args.version} logged yet")
        return NOT_YET
    print(summary(found, args.version))
    return 0


if __name__ == "__main__":
    sys.exit(main())
