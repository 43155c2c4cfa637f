#!/usr/bin/env python3
"""desk_ics.py -- a calendar file of relais desk, read by a real iCalendar parser (the icalendar
package, Debian's python3-icalendar) and held to what desk/calendar.c promises.

usage: desk_ics.py FILE [--lang fr|en] [--review CASE=YYYY-MM-DD]... [--no-review CASE]...
                   [--meeting ID=YYYY-MM-DD=CASE,CASE...]... [--events N] [--forbid TEXT]...
                   [--uids-out PATH]

- the bytes: every line ends with CRLF, none is longer than 75 octets, and no folding splits a
  character (the file decodes as UTF-8);
- no TEXT given with --forbid appears in it, folded or unfolded, whatever its capitals (a child's
  names, a school, a referrer);
- the parser reads a VCALENDAR of VERSION 2.0 with PRODID, CALSCALE GREGORIAN, METHOD PUBLISH and
  X-WR-CALNAME; every VEVENT has a UID (each its own), a DTSTAMP in UTC, an all-day DTSTART and
  DTEND the day after, a SUMMARY and a DESCRIPTION;
- each --review is there with its UID (review-CASE-YYYYMMDD@relais), its day and its words; no
  event is a review of a --no-review case; each --meeting is there with its UID, its day and
  its cases; --events: the number of events.
--uids-out writes the UIDs, sorted, one a line (to compare two fetches).
Exit 0 when all holds; else each breach on stderr, exit 1.
"""
import argparse
import datetime
import sys

try:
    import icalendar
except ImportError:
    sys.exit("desk_ics.py: the icalendar package is missing (Debian: python3-icalendar; scripts/install-deps)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--lang", default="fr")
    ap.add_argument("--review", action="append", default=[])
    ap.add_argument("--no-review", action="append", default=[])
    ap.add_argument("--meeting", action="append", default=[])
    ap.add_argument("--events", type=int)
    ap.add_argument("--forbid", action="append", default=[])
    ap.add_argument("--uids-out")
    a = ap.parse_args()
    errors = []
    raw = open(a.file, "rb").read()

    lines = raw.split(b"\r\n")
    if lines[-1] != b"":
        errors.append("the file does not end with CRLF")
    for i, line in enumerate(lines[:-1], 1):
        if b"\n" in line or b"\r" in line:
            errors.append("line %d: a line break that is not CRLF" % i)
        if len(line) > 75:
            errors.append("line %d: %d octets, more than 75" % (i, len(line)))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        errors.append("not UTF-8 (a fold split a character?): %s" % e)
        text = raw.decode("utf-8", "replace")
    unfolded = text.replace("\r\n ", "").replace("\r\n\t", "")
    for word in a.forbid:
        for what, t in (("the file", text), ("the unfolded file", unfolded)):
            if word.lower() in t.lower():
                errors.append("%s holds %r" % (what, word))

    cal = icalendar.Calendar.from_ical(raw)
    if cal.name != "VCALENDAR":
        errors.append("not a VCALENDAR: %s" % cal.name)
    for key, want in (("VERSION", "2.0"), ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH")):
        if str(cal.get(key, "")) != want:
            errors.append("%s is %r, not %r" % (key, str(cal.get(key, "")), want))
    for key in ("PRODID", "X-WR-CALNAME"):
        if not str(cal.get(key, "")):
            errors.append("no %s" % key)

    events = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        if not uid:
            errors.append("an event without a UID")
            continue
        if uid in events:
            errors.append("two events with UID %s" % uid)
        events[uid] = ev
        stamp = ev.decoded("DTSTAMP", None)
        if not isinstance(stamp, datetime.datetime) or stamp.utcoffset() != datetime.timedelta(0):
            errors.append("%s: DTSTAMP is not a time in UTC: %r" % (uid, stamp))
        start, end = ev.decoded("DTSTART", None), ev.decoded("DTEND", None)
        if type(start) is not datetime.date or type(end) is not datetime.date:
            errors.append("%s: not an all-day event: %r, %r" % (uid, start, end))
        elif end != start + datetime.timedelta(days=1):
            errors.append("%s: DTEND %s is not the day after DTSTART %s" % (uid, end, start))
        for key in ("SUMMARY", "DESCRIPTION"):
            if not str(ev.get(key, "")):
                errors.append("%s: no %s" % (uid, key))

    en = a.lang == "en"
    for spec in a.review:
        case, day = spec.split("=")
        uid = "review-%s-%s@relais" % (case, day.replace("-", ""))
        ev = events.get(uid)
        if ev is None:
            errors.append("no review of %s on %s (%s); the events: %s" % (case, day, uid, sorted(events)))
            continue
        if str(ev.decoded("DTSTART")) != day:
            errors.append("%s: on %s, not %s" % (uid, ev.decoded("DTSTART"), day))
        want = ("Review " if en else "Bilan ") + case
        if str(ev["SUMMARY"]) != want:
            errors.append("%s: SUMMARY %r, not %r" % (uid, str(ev["SUMMARY"]), want))
        if case not in str(ev["DESCRIPTION"]):
            errors.append("%s: the DESCRIPTION does not name %s" % (uid, case))
    for case in a.no_review:
        for uid in events:
            if uid.startswith("review-%s-" % case):
                errors.append("a review of %s, which should have none: %s" % (case, uid))
    for spec in a.meeting:
        mid, day, cases = spec.split("=")
        uid = "meeting-%s@relais" % mid
        ev = events.get(uid)
        if ev is None:
            errors.append("no meeting %s; the events: %s" % (uid, sorted(events)))
            continue
        if str(ev.decoded("DTSTART")) != day:
            errors.append("%s: on %s, not %s" % (uid, ev.decoded("DTSTART"), day))
        want = "Partnership meeting" if en else "Instance partenariale"
        if str(ev["SUMMARY"]) != want:
            errors.append("%s: SUMMARY %r, not %r" % (uid, str(ev["SUMMARY"]), want))
        desc = str(ev["DESCRIPTION"])
        for case in cases.split(","):
            if case + "," not in desc + "," and case + ")" not in desc:
                errors.append("%s: the DESCRIPTION does not name %s: %r" % (uid, case, desc))
    if a.events is not None and len(events) != a.events:
        errors.append("%d events, not %d: %s" % (len(events), a.events, sorted(events)))

    if a.uids_out:
        with open(a.uids_out, "w", encoding="utf-8") as f:
            f.write("".join(u + "\n" for u in sorted(events)))
    for e in errors:
        print("desk_ics.py: %s: %s" % (a.file, e), file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
