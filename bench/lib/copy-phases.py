#!/usr/bin/env python3
"""Where one `pgmove copy --json` run's time went, from its phase events.

    copy-phases.py BASE      # reads BASE.log (pgmove's --log-file), BASE.launched and BASE.exited (epoch seconds)

The log holds every copy event with its time (Serilog's compact JSON: "@t", and "Kind", "Database", "Message"): the
run's own steps (kind "step": reading the servers, preflight, roles) and each database's phases. Each event's time is
when that step began; a step lasts until the next event (the last one until the process
had exited). Prints two lines for the benchmark's breakdown: every step in order (the launch until the first event is
"process start"; steps without a database belong to the whole run; the steps of database postgres, which pgmove copies
because it copies the whole server, are summed into one figure), then what is fixed and what grows with the data
(data, post-data and ANALYZE of the other databases).
"""
import json
import sys
from datetime import datetime

STEPS = [("reading the servers", "catalog"), ("running the preflight", "preflight"), ("copying the roles", "roles"),
         ("creating the database", "create"), ("dumping the schema", "schema dump"),
         ("restoring the pre-data", "pre-data"), ("copying", "data"),
         ("the pre-data schema is in", "data"), ("setting sequences", "sequences"),
         ("building indexes", "post-data"), ("analyzing", "analyze")]
GROWS = ("data", "post-data", "analyze")


def main(base):
    launched = float(open(base + ".launched").read())
    exited = float(open(base + ".exited").read())
    events = []
    for line in open(base + ".log"):
        event = json.loads(line)
        if event.get("Kind") in ("phase", "step"):
            database = None if event.get("Database") in (None, "-") else event["Database"]
            events.append((database, event["Message"], datetime.fromisoformat(event["@t"]).timestamp()))

    parts = {"process start": (events[0][2] if events else exited) - launched}
    postgres = None
    ends = [e[2] for e in events[1:]] + [exited]
    for (database, message, start), end in zip(events, ends):
        label = next((short for prefix, short in STEPS if message.startswith(prefix)), None)
        if label is None:  # "copied", "already copied": what follows until the next step is the runner's own
            label = "between databases" if database else "other"
        if database == "postgres":
            postgres = (postgres or 0.0) + end - start
            continue
        key = f"{database}: {label}" if database else label
        parts[key] = parts.get(key, 0.0) + end - start
    if postgres is not None:
        parts["database postgres"] = postgres

    print(" · ".join(f"{label} {seconds:.2f}" for label, seconds in parts.items()))
    grows = sum(seconds for label, seconds in parts.items() if ": " in label and label.split(": ", 1)[1] in GROWS)
    print(f"fixed {exited - launched - grows:.2f} s, grows with the data {grows:.2f} s (process {exited - launched:.2f} s)")


if __name__ == "__main__":
    main(sys.argv[1])
