#!/usr/bin/env python3
"""Summarises the .trx files `dotnet test` wrote: the slowest tests, every failed test with its message and the
file:line in the test code where it failed, and last the line "N passed, N failed" that CI reads.

Usage: summarize-results.py RESULTS_DIR
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
FRAME = re.compile(r" in (?P<file>/[^:]+\.cs):line (?P<line>\d+)")


def seconds(duration: str) -> float:
    hours, minutes, rest = duration.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(rest)


def where(stack: str, root: str) -> str:
    """The innermost frame in the repository's tests/ folder, else the first frame with a file at all."""
    frames = [(m.group("file"), m.group("line")) for m in FRAME.finditer(stack)]
    in_tests = [f for f in frames if "/tests/" in f[0]]
    chosen = (in_tests or frames or [None])[0]
    if chosen is None:
        return "(no source location in the stack trace)"
    path = os.path.relpath(chosen[0], root) if chosen[0].startswith(root) else chosen[0]
    return f"{path}:{chosen[1]}"


def main() -> int:
    results = sys.argv[1]
    root = os.getcwd()
    passed = failed = skipped = 0
    failures = []
    durations = []
    for trx in sorted(glob.glob(os.path.join(results, "*.trx"))):
        run = ET.parse(trx).getroot()
        counters = run.find("t:ResultSummary/t:Counters", NS)
        if counters is not None:
            passed += int(counters.get("passed", "0"))
            failed += int(counters.get("failed", "0"))
            skipped += int(counters.get("notExecuted", "0"))
        for result in run.iterfind("t:Results/t:UnitTestResult", NS):
            name = result.get("testName", "?")
            if result.get("duration"):
                durations.append((seconds(result.get("duration")), name))
            if result.get("outcome") != "Failed":
                continue
            message = result.findtext("t:Output/t:ErrorInfo/t:Message", default="", namespaces=NS).strip()
            stack = result.findtext("t:Output/t:ErrorInfo/t:StackTrace", default="", namespaces=NS)
            failures.append((name, where(stack, root), message.splitlines()[0] if message else "(no message)"))

    durations.sort(reverse=True)
    print("== slowest tests")
    for duration, name in durations[:10]:
        print(f"  {duration:7.1f} s  {name}")

    if failures:
        print(f"== {len(failures)} failed test(s) (full output: {results}/dotnet-test.log)")
        for name, location, message in failures:
            print(f"  FAILED {name}")
            print(f"         at {location}")
            print(f"         {message}")

    print(f"{passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
