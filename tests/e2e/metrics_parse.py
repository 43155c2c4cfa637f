#!/usr/bin/env python3
"""metrics_parse.py FILE: reads a GET /metrics page with the Prometheus client's own parser, checks
what the parser leaves to the producer, and prints one sample a line for the shell to read:

    NAME LABELS VALUE      LABELS: k=v pairs sorted and joined with ',', or '-' for none

Fails (exit 1, the reason on stderr) on text the parser refuses, a family without HELP or TYPE
lines, a metric not named relais_..., a counter sample not ending in _total, or a histogram whose
buckets do not end in le="+Inf", are not cumulative, or whose _count is not its +Inf bucket.
"""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def fail(why):
    print("metrics_parse: " + why, file=sys.stderr)
    sys.exit(1)


def check_histogram(family):
    buckets = [(s.labels["le"], s.value) for s in family.samples if s.name.endswith("_bucket")]
    if not buckets or buckets[-1][0] != "+Inf":
        fail(f"{family.name}: the buckets do not end with le=\"+Inf\"")
    bounds = [float(le) for le, _ in buckets]
    counts = [v for _, v in buckets]
    if bounds != sorted(bounds) or counts != sorted(counts):
        fail(f"{family.name}: the buckets are not in order or not cumulative: {buckets}")
    count = [s.value for s in family.samples if s.name == family.name + "_count"]
    total = [s.value for s in family.samples if s.name == family.name + "_sum"]
    if count != [counts[-1]] or len(total) != 1:
        fail(f"{family.name}: _count {count} is not the +Inf bucket {counts[-1]}, or no _sum")


def main():
    if len(sys.argv) != 2:
        fail("usage: metrics_parse.py FILE")
    with open(sys.argv[1], encoding="utf-8") as f:
        text = f.read()
    helped = {line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")}
    typed = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser's refusal, whatever its class
        fail(f"the parser refuses the page: {e}")
    if not families:
        fail("no metric at all")
    for family in families:
        if not family.name.startswith("relais_"):
            fail(f"{family.name}: not a relais_ name")
        declared = family.name + ("_total" if family.type == "counter" else "")
        if declared not in helped or declared not in typed:
            fail(f"{family.name}: no HELP or TYPE line")
        if family.type == "unknown":
            fail(f"{family.name}: no type the parser knows")
        if family.type == "histogram":
            check_histogram(family)
        for s in family.samples:
            if family.type == "counter" and not s.name.endswith("_total"):
                fail(f"{s.name}: a counter's sample without _total")
            if math.isnan(s.value):
                fail(f"{s.name}: NaN")
            labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())) or "-"
            value = int(s.value) if s.value == int(s.value) else s.value
            print(f"{s.name} {labels} {value}")


main()
