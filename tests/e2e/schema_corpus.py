#!/usr/bin/env python3
"""schema_corpus.py -- the documents of schema.sh and the comparison of verdicts.

Writes referrals, case updates and meetings' records, the reception desk's contacts, contact
updates, transfers and transfer answers, its lost and found's items and updates, and the mayor's
office's decrees, at the boundary of each rule of the schemas of schema/
(one valid base, then variants that each break or meet one rule), with the schema's verdict on
each (JSON Schema Draft 2020-12, formats checked, so that "format": "date" counts), and reads
back what `relais submit` answered for each file.

  schema_corpus.py make KIND SCHEMA_DIR OUT_DIR [NAME=VALUE...]
      KIND: referral (the agreement corpus of referrals), case_update (of case updates: needs
      case=C-N, the case the notes go to, in triage, and share=R-N, a referral of that case
      that does not follow it yet; owner=NAME, an identity of the registry, coordination unless
      given), meeting (of meetings' records: needs case=C-N, an open case they review), hub
      (the hub-only rules: needs case=C-N and the relaisd options in force:
      ages=MIN-MAX consent_days=N review_days=N; the registry's partner=NAME and hub=NAME,
      college-curie and relaisd unless given, as schema.sh's PKI names them; for the register's
      rules, entries=FILE (below), desk=NAME, the reception desk's identity, accueil-tu unless
      given, and referral=R-N, a child's referral).
      The reception desk's register: entries (the pool of entries the other corpora name: letters
      to follow up, POOL_SIZE of them; their handles, in order, are the file entries=FILE the
      others read, each taking its own slice of it), contact (the agreement corpus of contacts),
      contact_update (needs entries=FILE), transfer (needs entries=FILE and longest=NAME, a
      partner of the registry whose name is 63 characters long; coordinator=NAME and
      partner=NAME, coordination and college-curie unless given), answer_targets (transfers to
      the coordinator the answers answer: needs entries=FILE), transfer_answer (needs
      transfers=FILE, the handles of those transfers, to be sent by the coordinator), examples
      (examples/'s contacts, update and transfers with this run's times, dates and entries, and its
      lost and found's items and updates: needs examples=DIR, entries=FILE and items=FILE (below);
      with transfer=T-N, the answer alone, to that transfer; with stage=decree, the decrees alone,
      to be sent by the publisher: needs decrees=FILE).
      The lost and found: lost_pool (the items the updates name, in groups: found items whose
      keeping is over, declarations, found items still kept, one not claimed by its finder; their
      handles, in order, are the file items=FILE the others read, each taking its own slice of each
      group), lost_found (the agreement corpus of items), lost_found_update (needs items=FILE).
      The decrees, sent by the publisher: decree_pool (decrees to repeal; their numbers, in order,
      are the file decrees=FILE), decree (the agreement corpus: needs decrees=FILE). The hub
      corpus takes items=FILE and decrees=FILE too, for the lost and found's and the decrees'
      rules (files item-, itemupdate- for the desk, decree- for the publisher, misitem- for the
      coordinator and misdecree- for the desk, both refused FORBIDDEN).
      Writes OUT_DIR/*.json and OUT_DIR/manifest.jsonl, one line a document: {"file", "what",
      "schema": true|false, "schema_error", "expect": "ACK"|"MALFORMED"|..., "hint" (what a
      refusal must name), "known" (why the hub differs, for a known disagreement)}.
  schema_corpus.py check MANIFEST SUBMIT_OUTPUT...
      Compares the manifest with the JSON lines of `relais submit` (one a file). Exit 1 on
      any difference, each one printed with the document, the schema's verdict and relais's.
  schema_corpus.py handles MANIFEST SUBMIT_OUTPUT...
      Prints the handle `relais submit` was acknowledged with for each document (A-N, T-N),
      one a line, in the manifest's order. Exit 1 when one was not acknowledged.

The agreement corpus keeps every date and time inside the hub's own windows (computed from
today, UTC, as the hub computes them), so that only the schema's rules decide; the hub's own
rules are the `hub` corpus, whose documents the schema must all accept.
"""
import base64
import copy
import datetime
import json
import os
import sys
import time

DELETE = object()
DAY_MS = 86400 * 1000
# The files' prefix by payload, when a corpus holds several kinds (each goes to its sender).
PREFIXES = {"case_update": "update", "meeting": "meeting", "contact": "contact", "contact_update": "followup",
            "transfer": "transfer", "transfer_answer": "answer", "lost_found": "item",
            "lost_found_update": "itemupdate", "decree": "decree"}
# The schema of each payload.
SCHEMAS = {"referral": "referral.schema.json", "case_update": "case_update.schema.json",
           "meeting": "meeting.schema.json", "contact": "contact.schema.json",
           "contact_update": "contact_update.schema.json", "transfer": "transfer.schema.json",
           "transfer_answer": "transfer_answer.schema.json", "lost_found": "lost_found.schema.json",
           "lost_found_update": "lost_found_update.schema.json", "decree": "decree.schema.json"}


def load_validator(schema_dir, name):
    import jsonschema

    with open(os.path.join(schema_dir, name), encoding="utf-8") as f:
        schema = json.load(f)
    cls = getattr(jsonschema, "Draft202012Validator", None)
    checker = getattr(cls, "FORMAT_CHECKER", None)
    if checker is None:
        raise SystemExit("schema_corpus: this jsonschema has no Draft 2020-12 validator with its format checker "
                         "(4.5 or later is needed)")
    # Without the date format checked, 2013-02-30 would pass the schema: say so rather than disagree.
    if checker.conforms("2013-02-30", "date"):
        raise SystemExit("schema_corpus: this jsonschema's format checker does not check dates")
    cls.check_schema(schema)
    return cls(schema, format_checker=checker)


def put(doc, path, value):
    """A copy of `doc` with the value at `path` (keys and indexes) replaced, or removed (DELETE)."""
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


def text(n, fill="é", tag=""):
    """Exactly n characters (code points): `tag` first, so that each is its own, then `fill`."""
    tag = tag[:n]
    return tag + fill * (n - len(tag))


def utc_today():
    return datetime.datetime.now(datetime.timezone.utc).date()


def now_ms():
    return int(time.time() * 1000)


def age(birth, today):
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def earliest_birth(max_age, today):
    """The earliest birth date of a child `max_age` years old today (found by counting, not by
    date arithmetic, so that 29 February needs no rule of its own)."""
    day = today - datetime.timedelta(days=366 * (max_age + 1) + 2)
    while age(day, today) > max_age:
        day += datetime.timedelta(days=1)
    return day


def latest_birth(min_age, today):
    """The latest birth date of a child `min_age` years old today."""
    day = today
    while age(day, today) < min_age:
        day -= datetime.timedelta(days=1)
    return day


class Corpus:
    def __init__(self, validator, out_dir, prefix):
        self.validator = validator
        self.out_dir = out_dir
        self.prefix = prefix
        self.entries = []

    def schema_verdict(self, doc):
        errors = list(self.validator.iter_errors(doc))
        return not errors, errors

    def add(self, what, doc, expect=None, hint="", known="", raw=None, name=None):
        """Adds one document. `expect` is the hub's answer when it is not the schema's (the hub
        corpus, and any known disagreement, `known` saying what it is); `raw` is the file's
        text when it must be written otherwise than json.dumps does; `name` the file's name when
        it is not the corpus's next."""
        valid, errors = self.schema_verdict(doc)
        if expect is None:
            expect = "ACK" if valid else self.refusal_code(doc, errors)
        kind = next((k for k in PREFIXES if isinstance(doc, dict) and k in doc), None)
        prefix = self.prefix or PREFIXES.get(kind, "referral")
        name = os.path.join(self.out_dir, name or "%s-%03d.json" % (prefix, len(self.entries) + 1))
        with open(name, "w", encoding="utf-8") as f:
            f.write(raw if raw is not None else json.dumps(doc, ensure_ascii=False))
        self.entries.append({"file": name, "what": what, "schema": valid,
                             "schema_error": errors[0].message[:160] if errors else "",
                             "expect": expect, "hint": hint, "known": known})

    @staticmethod
    def refusal_code(doc, errors):
        """What relais answers a document the schema refuses: NO_CONSENT when the only rule broken
        is the referral's oneOf and it has neither basis (the hub checks the content first), else
        MALFORMED."""
        ref = doc.get("referral") if isinstance(doc, dict) else None
        if isinstance(ref, dict) and ref.get("consent") is None and ref.get("parental_request") is None and all(
                e.validator == "oneOf" and list(e.absolute_path) == ["referral"] for e in errors):
            return "NO_CONSENT"
        return "MALFORMED"

    def write_manifest(self):
        with open(os.path.join(self.out_dir, "manifest.jsonl"), "w", encoding="utf-8") as f:
            for e in self.entries:
                f.write(json.dumps(e, ensure_ascii=False) + "\n")


# ---- Referrals -------------------------------------------------------------------------------

def base_referral(n, consent_ms):
    return {"referral": {
        "external_ref": "MC-%04d" % n,
        "referrer": {"organisation": "Collège Marie Curie", "role": "SCHOOL_HEAD",
                     "name": "Hélène Garnier, principale", "contact": "01 99 00 01 14"},
        "child": {"family_name": "Benali", "given_names": ["Lina"], "birth_date": "2014-03-12",
                  "school": "Collège Marie Curie", "class_name": "6e B"},
        "guardians": [{"name": "Samira Benali", "relationship": "mère", "phone": "01 99 00 02 31",
                       "email": "samira@mail.example", "address": "12 rue des Écoles, Sceaux"}],
        "domains": ["EDUCATIONAL", "SOCIAL"],
        "support_in_place": "Aide aux devoirs deux soirs par semaine.",
        "description": "Absences répétées depuis la rentrée, résultats en baisse.",
        "urgency": "PRIORITY",
        "consent": {"recorded_by": "Hélène Garnier, principale", "recorded_ms": consent_ms,
                    "document_ref": "MC/accord-famille", "given_by": "Samira Benali (mère)"},
    }}


# Every text of a referral with its schema lengths: (path, at most, required).
REFERRAL_TEXTS = [
    (["referral", "external_ref"], 100, False),
    (["referral", "referrer", "organisation"], 200, True),
    (["referral", "referrer", "name"], 200, False),
    (["referral", "referrer", "contact"], 200, False),
    (["referral", "child", "family_name"], 100, True),
    (["referral", "child", "given_names", 0], 100, True),
    (["referral", "child", "school"], 200, False),
    (["referral", "child", "class_name"], 50, False),
    (["referral", "guardians", 0, "name"], 200, False),
    (["referral", "guardians", 0, "relationship"], 100, False),
    (["referral", "guardians", 0, "phone"], 100, False),
    (["referral", "guardians", 0, "email"], 200, False),
    (["referral", "guardians", 0, "address"], 500, False),
    (["referral", "support_in_place"], 60000, False),
    (["referral", "description"], 60000, True),
    (["referral", "consent", "recorded_by"], 200, True),
    (["referral", "consent", "document_ref"], 200, False),
    (["referral", "consent", "given_by"], 200, False),
    (["referral", "parental_request", "requester_name"], 200, True),
    (["referral", "parental_request", "relationship"], 100, False),
    (["referral", "parental_request", "channel"], 100, False),
]

ROLES = ["SCHOOL_HEAD", "TEACHER", "RASED", "GUIDANCE_COUNSELLOR", "MUNICIPAL_YOUTH", "MUNICIPAL_SOCIAL",
         "PMI", "CMP", "PARENT", "OTHER"]
DOMAINS = ["EDUCATIONAL", "PERISCOLAIRE", "CULTURAL", "SOCIAL", "HEALTH"]


def hint_of(path):
    """The field a refusal must name: the last key of the path."""
    keys = [k for k in path if isinstance(k, str)]
    return keys[-1]


def make_referrals(c, args):
    now = now_ms()
    consent_ms = now - DAY_MS
    count = [0]

    def base():
        count[0] += 1
        return base_referral(count[0], consent_ms)

    def parental():
        doc = put(base(), ["referral", "consent"], DELETE)
        doc["referral"]["parental_request"] = {"requester_name": "Samira Benali", "relationship": "mère",
                                               "received_ms": consent_ms, "channel": "visit"}
        return doc

    c.add("the base referral, with consent", base())
    c.add("the base referral, on a parental request", parental())

    # Texts: empty, at the limit and one over, in accented letters (2 bytes each in UTF-8: the
    # limit counts characters); the short ones also in letters outside the BMP (4 bytes each).
    # (external_ref names a referral for the hub: each document here has its own, or none.)
    for path, limit, required in REFERRAL_TEXTS:
        start = parental if path[1] == "parental_request" else base
        name = ".".join(str(k) for k in path)
        c.add("%s empty" % name, put(start(), path, ""), hint=hint_of(path) if required else "")
        c.add("%s of %d accented letters" % (name, limit), put(start(), path, text(limit)))
        c.add("%s of %d accented letters" % (name, limit + 1), put(start(), path, text(limit + 1)),
              hint=hint_of(path))
        if limit <= 200:
            c.add("%s of %d letters outside the BMP" % (name, limit), put(start(), path, text(limit, "😀")))
            c.add("%s of %d letters outside the BMP" % (name, limit + 1), put(start(), path, text(limit + 1, "😀")),
                  hint=hint_of(path))
        if not required and not isinstance(path[-2], int):
            c.add("%s absent" % name, put(start(), path, DELETE))
    # One over the limit in ASCII too (one byte a character), and an escaped surrogate pair.
    c.add("referral.description of 60001 ASCII letters", put(base(), ["referral", "description"], text(60001, "a")),
          hint="description")
    doc = put(base(), ["referral", "child", "family_name"], text(100, "😀"))
    c.add("referral.child.family_name of 100 letters written as \\u escapes (surrogate pairs)", doc,
          raw=json.dumps(doc, ensure_ascii=True))
    doc = put(base(), ["referral", "child", "family_name"], text(101, "😀"))
    c.add("referral.child.family_name of 101 letters written as \\u escapes (surrogate pairs)", doc,
          raw=json.dumps(doc, ensure_ascii=True), hint="family_name")
    c.add("referral.child.family_name with a combining accent (2 code points a letter), 100 code points",
          put(base(), ["referral", "child", "family_name"], "e\u0301" * 50))
    c.add("referral.child.family_name with a combining accent, 101 code points",
          put(base(), ["referral", "child", "family_name"], "e\u0301" * 50 + "e"), hint="family_name")

    # Required fields missing.
    for path in (["referral", "referrer"], ["referral", "child"], ["referral", "domains"],
                 ["referral", "description"], ["referral", "urgency"], ["referral", "referrer", "organisation"],
                 ["referral", "referrer", "role"], ["referral", "child", "family_name"],
                 ["referral", "child", "given_names"], ["referral", "child", "birth_date"],
                 ["referral", "consent", "recorded_by"], ["referral", "consent", "recorded_ms"]):
        c.add("%s missing" % ".".join(path), put(base(), path, DELETE), hint=hint_of(path))
    c.add("referral.parental_request.requester_name missing",
          put(parental(), ["referral", "parental_request", "requester_name"], DELETE), hint="requester_name")
    c.add("referral.parental_request.received_ms absent", put(parental(), ["referral", "parental_request",
                                                                              "received_ms"], DELETE))
    c.add("neither consent nor parental_request", put(base(), ["referral", "consent"], DELETE))
    both = parental()
    both["referral"]["consent"] = base()["referral"]["consent"]
    c.add("both consent and parental_request", both, hint="consent")
    c.add("referral.consent empty", put(base(), ["referral", "consent"], {}), hint="consent")

    # Enumerations.
    for role in ROLES:
        c.add("referral.referrer.role %s" % role, put(base(), ["referral", "referrer", "role"], role))
    for bad in ("HEADMASTER", "school_head", "REFERRER_ROLE_UNSPECIFIED", "", " SCHOOL_HEAD"):
        c.add("referral.referrer.role %r" % bad, put(base(), ["referral", "referrer", "role"], bad), hint="role")
    for urgency in ("ROUTINE", "PRIORITY", "URGENT"):
        c.add("referral.urgency %s" % urgency, put(base(), ["referral", "urgency"], urgency))
    for bad in ("LOW", "urgent", "URGENCY_UNSPECIFIED", ""):
        c.add("referral.urgency %r" % bad, put(base(), ["referral", "urgency"], bad), hint="urgency")
    for domain in DOMAINS:
        c.add("referral.domains [%s]" % domain, put(base(), ["referral", "domains"], [domain]))
    c.add("referral.domains, all five", put(base(), ["referral", "domains"], list(DOMAINS)))
    for bad in ([], ["SPORT"], ["social"], ["DOMAIN_UNSPECIFIED"], ["SOCIAL", "SOCIAL"],
                ["EDUCATIONAL", "HEALTH", "EDUCATIONAL"], "SOCIAL"):
        c.add("referral.domains %r" % (bad,), put(base(), ["referral", "domains"], bad), hint="domains")

    # Arrays' sizes.
    c.add("referral.child.given_names of 10 names", put(base(), ["referral", "child", "given_names"],
                                                       ["Lina"] + ["Nom%d" % i for i in range(9)]))
    c.add("referral.child.given_names of 11 names", put(base(), ["referral", "child", "given_names"],
                                                       ["Lina"] + ["Nom%d" % i for i in range(10)]),
          hint="given_names")
    c.add("referral.child.given_names empty", put(base(), ["referral", "child", "given_names"], []),
          hint="given_names")
    c.add("referral.child.given_names with an empty second name",
          put(base(), ["referral", "child", "given_names"], ["Lina", ""]), hint="given_names")
    c.add("referral.child.given_names a string", put(base(), ["referral", "child", "given_names"], "Lina"),
          hint="given_names")
    guardian = base()["referral"]["guardians"][0]
    c.add("referral.guardians, 10", put(base(), ["referral", "guardians"], [guardian] * 10))
    c.add("referral.guardians, 11", put(base(), ["referral", "guardians"], [guardian] * 11), hint="guardians")
    c.add("referral.guardians, one with nothing", put(base(), ["referral", "guardians"], [{}]))

    # Calendar dates (the birth dates that are dates keep the child within the hub's ages).
    for date, ok in (("2016-02-29", True), ("2014-12-31", True), ("2013-02-30", False), ("21/05/2013", False),
                     ("2015-02-29", False), ("2014-04-31", False), ("2014-13-01", False), ("2014-00-10", False),
                     ("2014-3-12", False), ("20140312", False), ("2014-03-12T00:00:00", False),
                     (" 2014-03-12", False), ("2014-03-12\n", False), ("２０１４-03-12", False), ("", False)):
        c.add("referral.child.birth_date %r" % date, put(base(), ["referral", "child", "birth_date"], date),
              hint="" if ok else "birth_date")

    # Times (inside the hub's window, or refused by the schema's own rules).
    for bad in (0, -1, "1795422600000", 1.5):
        c.add("referral.consent.recorded_ms %r" % (bad,), put(base(), ["referral", "consent", "recorded_ms"], bad),
              hint="recorded_ms")
    c.add("referral.consent.recorded_ms 2^63, beyond an int64",
          put(base(), ["referral", "consent", "recorded_ms"], 9223372036854775808))
    for bad in (-5, "1795422600000"):
        c.add("referral.parental_request.received_ms %r" % (bad,),
              put(parental(), ["referral", "parental_request", "received_ms"], bad), hint="received_ms")

    # Shape: unknown fields, wrong types, the envelope.
    c.add("an unknown field in referral", put(base(), ["referral", "priority"], "high"), hint="priority")
    c.add("an unknown field in referral.child", put(base(), ["referral", "child", "age"], 11), hint="age")
    c.add("an unknown field in referral.consent", put(base(), ["referral", "consent", "signed"], True),
          hint="signed")
    c.add("referral.description a number", put(base(), ["referral", "description"], 42), hint="description")
    c.add("referral.child an array", put(base(), ["referral", "child"], []), hint="child")
    c.add("a header beside the referral", put(base(), ["header"], {"sender": "college-curie"}))
    c.add("the referral under another key", {"referal": base()["referral"]})
    c.add("no payload at all", {})

    # What the schemas once let through or refused unlike the hub (each now a rule of both).
    # Enums by number (documented to partners), a domain both ways counts twice.
    c.add("referral.urgency given as its number, 2", put(base(), ["referral", "urgency"], 2))
    c.add("referral.urgency given as 2.0", put(base(), ["referral", "urgency"], 2.0))
    c.add("referral.referrer.role given as its number, 10", put(base(), ["referral", "referrer", "role"], 10))
    for bad in (0, 4, -1, 2.5, True):
        c.add("referral.urgency %r" % (bad,), put(base(), ["referral", "urgency"], bad), hint="urgency")
    c.add("referral.domains [4, 1]", put(base(), ["referral", "domains"], [4, 1]))
    c.add("referral.domains ['SOCIAL', 4], one domain twice", put(base(), ["referral", "domains"], ["SOCIAL", 4]),
          hint="domains")
    c.add("referral.domains [6]", put(base(), ["referral", "domains"], [6]), hint="domains")
    # null: an optional field left out; a required one missing.
    c.add("referral.child.school null", put(base(), ["referral", "child", "school"], None))
    c.add("referral.guardians null", put(base(), ["referral", "guardians"], None))
    c.add("referral.external_ref null", put(base(), ["referral", "external_ref"], None))
    c.add("referral.parental_request null beside a consent", put(base(), ["referral", "parental_request"], None))
    c.add("referral.consent null beside a parental request", put(parental(), ["referral", "consent"], None))
    c.add("referral.consent null alone", put(base(), ["referral", "consent"], None))
    c.add("referral.parental_request.received_ms null",
          put(parental(), ["referral", "parental_request", "received_ms"], None))
    for path in (["referral", "child", "family_name"], ["referral", "description"], ["referral", "urgency"],
                 ["referral", "consent", "recorded_ms"], ["referral", "child", "given_names"]):
        c.add("%s null" % ".".join(path), put(base(), path, None), hint=hint_of(path))
    c.add("referral.child.given_names [null]", put(base(), ["referral", "child", "given_names"], [None]),
          hint="given_names")
    # Integers written as reals: an integral one is an integer; a fraction is not.
    c.add("referral.consent.recorded_ms written as an integral real",
          put(base(), ["referral", "consent", "recorded_ms"], float(now - 2 * DAY_MS)))
    c.add("referral.consent.recorded_ms written as a real with .5",
          put(base(), ["referral", "consent", "recorded_ms"], float(now - 2 * DAY_MS) + 0.5), hint="recorded_ms")
    c.add("referral.parental_request.received_ms 0 (not known)",
          put(parental(), ["referral", "parental_request", "received_ms"], 0))
    # A family name needs a letter or a digit (the child key drops spaces, hyphens and apostrophes).
    for name in (" ", "-", "'", " - ", "\u2019", "\u02bc", "\u00a0", ".", "\u00d7"):
        c.add("referral.child.family_name %r" % name, put(base(), ["referral", "child", "family_name"], name),
              hint="family_name")
    for name in ("O", "7", "\u00d8", "\u0153", "\u738b", "\u0418\u0432\u0430\u043d\u043e\u0432", "\U0001d49c", "- \u00e9 -"):
        c.add("referral.child.family_name %r" % name, put(base(), ["referral", "child", "family_name"], name))
    # The child key holds every name the schema allows.
    c.add("referral.child.given_names, 6 names of 100 accented letters",
          put(base(), ["referral", "child", "given_names"], [text(100, "é", str(i)) for i in range(6)]))
    c.add("referral.child.given_names, 10 names of 100 letters outside the BMP",
          put(base(), ["referral", "child", "given_names"], [text(100, "😀", str(i)) for i in range(10)]))
    c.add("referral.child.family_name of 100 letters outside the BMP, with 10 such given names",
          put(put(base(), ["referral", "child", "given_names"], [text(100, "😀", str(i)) for i in range(10)]),
              ["referral", "child", "family_name"], text(100, "😀")))


# ---- Case updates ----------------------------------------------------------------------------

def make_case_updates(c, args):
    case, share = args["case"], args["share"]
    today = utc_today()
    review = (today + datetime.timedelta(days=30)).isoformat()
    start = (today + datetime.timedelta(days=7)).isoformat()

    def base():
        return {"case_update": {"case_id": case, "from_state": "TRIAGE", "to_state": "TRIAGE",
                                "sub_status": "attente-rencontre", "reason_code": "", "note": "Appel à la mère.",
                                "diagnosis": "Difficultés de lecture.", "next_review_date": review,
                                "pathway": [{"kind": "INDIVIDUAL", "description": "Tutorat",
                                             "partner": "Service Jeunesse", "start_date": start,
                                             "frequency": "weekly", "responsible": "Mme Roux"}],
                                "redirected_to": ""}}

    c.add("the base update (a note in triage)", base())
    c.add("the least update", {"case_update": {"case_id": case, "from_state": "TRIAGE", "to_state": "TRIAGE"}})
    for path, limit in ((["case_update", "note"], 60000), (["case_update", "diagnosis"], 60000),
                        (["case_update", "redirected_to"], 200),
                        (["case_update", "pathway", 0, "partner"], 200),
                        (["case_update", "pathway", 0, "frequency"], 100),
                        (["case_update", "pathway", 0, "responsible"], 200)):
        name = ".".join(str(k) for k in path)
        c.add("%s empty" % name, put(base(), path, ""))
        c.add("%s of %d accented letters" % (name, limit), put(base(), path, text(limit)))
        c.add("%s of %d accented letters" % (name, limit + 1), put(base(), path, text(limit + 1)),
              hint=hint_of(path))
        c.add("%s absent" % name, put(base(), path, DELETE))
    for path in (["case_update", "sub_status"], ["case_update", "reason_code"]):
        name = ".".join(path)
        c.add("%s empty" % name, put(base(), path, ""))
        c.add("%s of 31 letters outside the BMP (124 bytes)" % name, put(base(), path, text(31, "😀")))
        c.add("%s of 31 letters" % name, put(base(), path, text(31, "a")))
        c.add("%s of 32 letters" % name, put(base(), path, text(32, "a")), hint=path[-1])
        c.add("%s of 100 accented letters" % name, put(base(), path, text(100)), hint=path[-1])
        c.add("%s absent" % name, put(base(), path, DELETE))
    path = ["case_update", "pathway", 0, "description"]
    c.add("case_update.pathway.0.description of 2000 accented letters", put(base(), path, text(2000)))
    c.add("case_update.pathway.0.description of 2001 accented letters", put(base(), path, text(2001)),
          hint="description")
    c.add("case_update.pathway.0.description empty", put(base(), path, ""), hint="description")
    c.add("case_update.pathway.0.description missing", put(base(), path, DELETE), hint="description")

    # Case ids and handles.
    for bad in ("c-14", "C-014", "C-0", "C-", "C-1a", "R-14", " " + case, case + " ", "", "C-+14", case + "\n",
                "C-1" + "0" * 20):
        c.add("case_update.case_id %r" % bad, put(base(), ["case_update", "case_id"], bad), hint="case_id")
    c.add("case_update.case_id missing", put(base(), ["case_update", "case_id"], DELETE), hint="case_id")
    c.add("case_update.share_referral %s, a referral of the case" % share,
          put(base(), ["case_update", "share_referral"], share))
    number = share[2:]
    for bad in ("r-" + number, "R-0" + number, "R-", "R-0", "C-" + number, share + "x", " " + share,
                share + "\n", "R-1" + "0" * 20):
        c.add("case_update.share_referral %r" % bad, put(base(), ["case_update", "share_referral"], bad),
              hint="share_referral")

    # The coordinator's decisions on likely duplicates: well formed, they name a case or a
    # referral the rules then judge (none here: BAD_TRANSITION); ill formed, MALFORMED.
    for field, prefix in (("dismiss_duplicate", "C"), ("merge_into", "C")):
        path = ["case_update", field]
        c.add("case_update.%s %s-999999, naming nothing" % (field, prefix), put(base(), path, prefix + "-999999"),
              expect="BAD_TRANSITION")
        c.add("case_update.%s empty" % field, put(base(), path, ""))
        c.add("case_update.%s null" % field, put(base(), path, None))
        other = "R" if prefix == "C" else "C"
        for bad in (prefix.lower() + "-12", prefix + "-012", prefix + "-", other + "-12", prefix + "-12\n",
                    prefix + "-1" + "0" * 20):
            c.add("case_update.%s %r" % (field, bad), put(base(), path, bad), hint=field)

    # The owner: an identity name of the registry (a certificate name, at most 63 characters).
    # The schema's rule is the length; whether the name is a coordinator or partner of the
    # registry is the hub's (make_hub), so the one named here is schema.sh's coordinator.
    owner, path = args.get("owner", "coordination"), ["case_update", "owner"]
    c.add("case_update.owner %s, an identity of the registry" % owner, put(base(), path, owner))
    c.add("case_update.owner empty", put(base(), path, ""))
    c.add("case_update.owner null", put(base(), path, None))
    c.add("case_update.owner of 64 letters", put(base(), path, owner + "a" * (64 - len(owner))), hint="owner")

    # States.
    for path in (["case_update", "from_state"], ["case_update", "to_state"]):
        for bad in ("triage", "OPEN", "CASE_STATE_UNSPECIFIED", "", "TRIAGE "):
            c.add("%s %r" % (".".join(path), bad), put(base(), path, bad), hint=path[-1])
        c.add("%s missing" % ".".join(path), put(base(), path, DELETE), hint=path[-1])

    # Pathways.
    action = base()["case_update"]["pathway"][0]
    c.add("case_update.pathway, 20 actions", put(base(), ["case_update", "pathway"], [action] * 20))
    c.add("case_update.pathway, 21 actions", put(base(), ["case_update", "pathway"], [action] * 21),
          hint="pathway")
    c.add("case_update.pathway empty", put(base(), ["case_update", "pathway"], []))
    for kind, ok in (("COLLECTIVE", True), ("individual", False), ("KIND_UNSPECIFIED", False), ("GROUP", False)):
        c.add("case_update.pathway.0.kind %r" % kind, put(base(), ["case_update", "pathway", 0, "kind"], kind),
              hint="" if ok else "kind")
    c.add("case_update.pathway.0.kind missing", put(base(), ["case_update", "pathway", 0, "kind"], DELETE),
          hint="kind")
    c.add("an unknown field in a pathway action", put(base(), ["case_update", "pathway", 0, "cost"], 12),
          hint="cost")

    # Dates: the valid ones inside the hub's windows.
    leap = next((d for d in (datetime.date(y, 2, 29) for y in range(today.year, today.year + 3)
                             if y % 4 == 0 and (y % 100 or y % 400 == 0))
                 if today - datetime.timedelta(days=1) <= d <= today + datetime.timedelta(days=700)), None)
    dates = [("15/03/2027", False), ("2027-02-29", False), ("2026-02-30", False), ("2026-04-31", False),
             ("2026-1-05", False), ("2026-01-05T10:00", False), ("20270105", False)]
    if leap:
        dates.append((leap.isoformat(), True))
    for field in (["case_update", "next_review_date"], ["case_update", "pathway", 0, "start_date"]):
        for date, ok in dates:
            c.add("%s %r" % (".".join(str(k) for k in field), date), put(base(), field, date),
                  hint="" if ok else field[-1])

    # Shape.
    c.add("an unknown field in case_update", put(base(), ["case_update", "priority"], 1), hint="priority")
    c.add("case_update an array", {"case_update": []}, hint="case_update")
    c.add("a case update and a referral together",
          {"case_update": base()["case_update"], "referral": base_referral(9999, now_ms())["referral"]})
    c.add("case_update.note a number", put(base(), ["case_update", "note"], 3), hint="note")

    # States by number (documented to partners); null and "" for optional fields are absent.
    c.add("case_update.to_state given as its number, 2", put(base(), ["case_update", "to_state"], 2))
    c.add("case_update.from_state given as 2.0", put(base(), ["case_update", "from_state"], 2.0))
    c.add("case_update.pathway.0.kind given as its number, 2", put(base(), ["case_update", "pathway", 0, "kind"], 2))
    for bad in (0, 15):
        c.add("case_update.to_state %r" % bad, put(base(), ["case_update", "to_state"], bad), hint="to_state")
    for path in (["case_update", "next_review_date"], ["case_update", "pathway", 0, "start_date"],
                 ["case_update", "share_referral"], ["case_update", "sub_status"], ["case_update", "note"],
                 ["case_update", "pathway"]):
        c.add("%s null" % ".".join(str(k) for k in path), put(base(), path, None))
    for path in (["case_update", "next_review_date"], ["case_update", "pathway", 0, "start_date"],
                 ["case_update", "share_referral"]):
        c.add("%s empty" % ".".join(str(k) for k in path), put(base(), path, ""))
    for path in (["case_update", "case_id"], ["case_update", "to_state"]):
        c.add("%s null" % ".".join(path), put(base(), path, None), hint=path[-1])


# ---- Meetings' records -----------------------------------------------------------------------

def make_meetings(c, args):
    case = args["case"]
    today = utc_today()
    held = (today - datetime.timedelta(days=1)).isoformat()  # inside the hub's window whatever the hour
    review = (today + datetime.timedelta(days=30)).isoformat()
    count = [0]

    def meeting_id(date=held, tag=None):
        count[0] += 1
        return "M-%s-%s" % (date.replace("-", ""), tag if tag is not None else "c%d" % count[0])

    def base():
        return {"meeting": {"meeting_id": meeting_id(), "date": held,
                            "present": [{"name": "Mme Roux", "role": "psychologue", "organisation": "CMP de Sceaux"},
                                        {"name": "M. Petit", "role": "CPE", "organisation": "Collège Marie Curie"}],
                            "case_id": case, "decision": "Orientation vers le CMP acceptée.\nPoint en janvier.",
                            "next_review_date": review}}

    c.add("the base record (two professionals present)", base())
    c.add("the least record", {"meeting": {"meeting_id": meeting_id(), "date": held,
                                           "present": [{"organisation": "CMP"}], "case_id": case, "decision": "x"}})
    # Texts.
    path = ["meeting", "decision"]
    c.add("meeting.decision of 60000 accented letters", put(base(), path, text(60000)))
    c.add("meeting.decision of 60001 accented letters", put(base(), path, text(60001)), hint="decision")
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null"), (3, "a number")):
        c.add("meeting.decision %s" % what, put(base(), path, bad), hint="decision")
    for field, limit in (("name", 200), ("role", 100), ("organisation", 200)):
        path = ["meeting", "present", 0, field]
        c.add("meeting.present.0.%s of %d accented letters" % (field, limit), put(base(), path, text(limit)))
        c.add("meeting.present.0.%s of %d accented letters" % (field, limit + 1), put(base(), path, text(limit + 1)),
              hint=field)
    for field in ("name", "role"):
        c.add("meeting.present.0.%s null" % field, put(base(), ["meeting", "present", 0, field], None))
        c.add("meeting.present.0.%s empty" % field, put(base(), ["meeting", "present", 0, field], ""))
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null")):
        c.add("meeting.present.0.organisation %s" % what, put(base(), ["meeting", "present", 0, "organisation"], bad),
              hint="organisation")
    c.add("an unknown field in an attendee", put(base(), ["meeting", "present", 0, "phone"], "01"), hint="phone")
    # The professionals present: 1 to 30.
    one = {"organisation": "CMP de Sceaux"}
    c.add("meeting.present, 30 people", put(base(), ["meeting", "present"], [one] * 30))
    c.add("meeting.present, 31 people", put(base(), ["meeting", "present"], [one] * 31), hint="present")
    for bad, what in (([], "empty"), (DELETE, "missing"), (None, "null")):
        c.add("meeting.present %s" % what, put(base(), ["meeting", "present"], bad), hint="present")
    # The meeting's id: M-, the date's YYYYMMDD, -, 1 to 16 of a-z0-9.
    day = held.replace("-", "")
    c.add("meeting.meeting_id with a tag of 16", put(base(), ["meeting", "meeting_id"], meeting_id(tag="a" * 15 + "9")))
    c.add("meeting.meeting_id with a tag of 1", put(base(), ["meeting", "meeting_id"], meeting_id(tag="7")))
    for bad in ("M-%s-" % day, "M-%s-%s" % (day, "a" * 17), "M-%s-A3F9" % day, "m-%s-a3f9" % day, "M-%s-a3 f9" % day,
                "M-%s-a3f9" % day[:7], "M-%s_a3f9" % day, "%s-a3f9" % day, "M-%s-a3-f9" % day):
        c.add("meeting.meeting_id %r" % bad, put(base(), ["meeting", "meeting_id"], bad), hint="meeting_id")
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null")):
        c.add("meeting.meeting_id %s" % what, put(base(), ["meeting", "meeting_id"], bad), hint="meeting_id")
    # Dates.
    for bad in ("15/03/2027", "2026-02-30", "2026-04-31", "2026-1-05", "2026-01-05T10:00", "20270105"):
        c.add("meeting.date %r" % bad, put(base(), ["meeting", "date"], bad), hint="date")
        c.add("meeting.next_review_date %r" % bad, put(base(), ["meeting", "next_review_date"], bad),
              hint="next_review_date")
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null")):
        c.add("meeting.date %s" % what, put(base(), ["meeting", "date"], bad), hint="date")
    for ok, what in (("", "empty"), (None, "null"), (DELETE, "missing")):
        c.add("meeting.next_review_date %s" % what, put(base(), ["meeting", "next_review_date"], ok))
    # The case.
    for bad in ("c-14", "C-014", "C-", "14", "C-1 ", "R-14", "C-" + "1" * 21):
        c.add("meeting.case_id %r" % bad, put(base(), ["meeting", "case_id"], bad), hint="case_id")
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null")):
        c.add("meeting.case_id %s" % what, put(base(), ["meeting", "case_id"], bad), hint="case_id")
    # Shape.
    c.add("an unknown field in meeting", put(base(), ["meeting", "place"], "mairie"), hint="place")
    c.add("meeting an array", {"meeting": []}, hint="meeting")
    c.add("a meeting's record and a case update together",
          {"meeting": base()["meeting"], "case_update": {"case_id": case, "from_state": "TRIAGE", "to_state": "TRIAGE"}})


# ---- The reception desk's register -----------------------------------------------------------

# The entries the register's corpora name, made first (`make entries`) and handed to each corpus as
# a file of their handles, one a line: each corpus takes its own slice, so that what one document
# does to an entry (a closing, a transfer) changes nothing for another's.
POOL = {"contact_update": (0, 12), "transfer": (12, 52), "answer": (52, 76), "example": (76, 80), "hub": (80, 83)}
POOL_SIZE = 83
# The desk's base letter: a written request, open, acknowledged, with its due date.
LETTER_SUMMARY = "Courrier de Mme Durand : le trottoir devant le 4 est soulevé par une racine.\nDemande une réponse."


def base_contact(now, today):
    return {"contact": {"channel": "LETTER", "subject": "Trottoir soulevé", "requester": "Mme Durand",
                        "summary": LETTER_SUMMARY, "occurred_ms": now - 3600 * 1000, "category": "PUBLIC_SPACE",
                        "street": "Avenue Jean Perrin", "house_number": "4", "contact_details": "01 99 00 04 27",
                        "contact_agreed": True, "handling": "FOLLOW_UP", "acknowledged_date": today.isoformat(),
                        "response_due_date": (today + datetime.timedelta(days=60)).isoformat()}}


def pool(args, kind):
    """The handles of the pool's slice for `kind` (args' entries=FILE, in the order made)."""
    with open(args["entries"], encoding="utf-8") as f:
        handles = [line.strip() for line in f if line.strip()]
    lo, hi = POOL[kind]
    if len(handles) < hi:
        raise SystemExit("schema_corpus: %d entries in %s; the corpora need %d" % (len(handles), args["entries"],
                                                                                      POOL_SIZE))
    return handles[lo:hi]


class Taker:
    """Hands out a slice's entries one at a time, and says so when there are too few."""

    def __init__(self, handles, kind):
        self.handles, self.kind, self.used = handles, kind, 0

    def __call__(self):
        if self.used == len(self.handles):
            raise SystemExit("schema_corpus: the %s corpus needs more than the %d entries of its slice of POOL" % (
                self.kind, len(self.handles)))
        self.used += 1
        return self.handles[self.used - 1]


def leap_day_within(today, back, ahead):
    """A 29 February from `back` days ago to `ahead` days ahead, or None."""
    for y in range(today.year - 3, today.year + 4):
        if y % 4 == 0 and (y % 100 or y % 400 == 0):
            d = datetime.date(y, 2, 29)
            if today - datetime.timedelta(days=back) <= d <= today + datetime.timedelta(days=ahead):
                return d
    return None


BAD_DATES = ["15/03/2027", "2027-02-29", "2026-02-30", "2026-04-31", "2026-1-05", "2026-01-05T10:00", "20270105",
             " 2027-01-05", "2027-01-05\n"]


def make_entries(c, args):
    """The pool: letters to follow up, each an entry the other corpora may name."""
    now, today = now_ms(), utc_today()
    for i in range(int(args.get("count", POOL_SIZE))):
        doc = put(base_contact(now, today), ["contact", "subject"], "Fiche %d du lot" % (i + 1))
        c.add("entry %d of the pool" % (i + 1), doc, name="entry-%03d.json" % (i + 1))
        if c.entries[-1]["expect"] != "ACK":
            raise SystemExit("schema_corpus: the schema refuses the pool's entry: %s" % c.entries[-1]["schema_error"])


def make_contacts(c, args):
    now, today = now_ms(), utc_today()

    def base():
        return base_contact(now, today)

    def spoken(channel="CALL"):
        """A call (or a visit): no acknowledgement, no due date."""
        doc = put(base(), ["contact", "channel"], channel)
        del doc["contact"]["acknowledged_date"], doc["contact"]["response_due_date"]
        return doc

    c.add("the base contact (a letter, acknowledged, its due date, contact details agreed)", base())
    c.add("the least contact (a call answered on the spot)",
          {"contact": {"channel": "CALL", "subject": "x", "summary": "y", "occurred_ms": now - 60000,
                       "category": "NOISE", "handling": "ANSWERED_ON_SPOT"}})
    c.add("the least written contact (an e-mail and its due date)",
          {"contact": {"channel": "EMAIL", "subject": "x", "summary": "y", "occurred_ms": now - 60000,
                       "category": "OTHER_CATEGORY", "handling": "FOLLOW_UP",
                       "response_due_date": (today + datetime.timedelta(days=60)).isoformat()}})

    # Texts: empty, at the limit and one over, in accented letters (two bytes each), and the short
    # ones in letters outside the BMP (four bytes each): the limit counts characters.
    for field, limit, required in (("subject", 120, True), ("requester", 120, False), ("summary", 1000, True),
                                   ("street", 120, False), ("house_number", 10, False),
                                   ("contact_details", 120, False)):
        path = ["contact", field]
        # A house number goes with its street: the street's variants leave the number out.
        start = (lambda: put(base(), ["contact", "house_number"], DELETE)) if field == "street" else base
        c.add("contact.%s empty" % field, put(start(), path, ""), hint=field if required else "")
        c.add("contact.%s of %d accented letters" % (field, limit), put(start(), path, text(limit)))
        c.add("contact.%s of %d accented letters" % (field, limit + 1), put(start(), path, text(limit + 1)),
              hint=field)
        c.add("contact.%s of %d letters outside the BMP" % (field, limit), put(start(), path, text(limit, "😀")))
        c.add("contact.%s of %d letters outside the BMP" % (field, limit + 1),
              put(start(), path, text(limit + 1, "😀")), hint=field)
        if required:
            c.add("contact.%s missing" % field, put(base(), path, DELETE), hint=field)
            c.add("contact.%s null" % field, put(base(), path, None), hint=field)
        else:
            c.add("contact.%s absent" % field, put(start(), path, DELETE))
            c.add("contact.%s null" % field, put(start(), path, None))
    c.add("contact.summary over three lines", put(base(), ["contact", "summary"], "Un.\nDeux.\r\nTrois\tfin."))
    c.add("contact.contact_details over two lines (an address)",
          put(base(), ["contact", "contact_details"], "4 avenue Jean Perrin\n92330 Sceaux"))
    c.add("contact.subject of 1000 ASCII letters", put(base(), ["contact", "subject"], text(1000, "a")),
          hint="subject")

    # Required fields: missing, null.
    for field in ("channel", "occurred_ms", "category", "handling"):
        c.add("contact.%s missing" % field, put(base(), ["contact", field], DELETE), hint=field)
        c.add("contact.%s null" % field, put(base(), ["contact", field], None), hint=field)

    # Enumerations, by name and by number.
    for channel in ("LETTER", "EMAIL", "FORM", 3, 4, 5, 4.0):
        c.add("contact.channel %r (written, with its due date)" % (channel,), put(base(), ["contact", "channel"],
                                                                                 channel))
    for channel in ("CALL", "VISIT", 1, 2):
        c.add("contact.channel %r (spoken: no acknowledgement, no due date)" % (channel,), spoken(channel))
    for bad in ("call", "PHONE", "CHANNEL_UNSPECIFIED", "", " LETTER", 0, 6, -1, 2.5, True):
        c.add("contact.channel %r" % (bad,), put(base(), ["contact", "channel"], bad), hint="channel")
    for category in ("NOISE", "NEIGHBOURHOOD_DISPUTE", "INCIVILITY", "PUBLIC_SPACE", "PARKING_TRAFFIC",
                     "VICTIM_SUPPORT", "LOST_PROPERTY", "DECREE_INFORMATION", "OTHER_CATEGORY"):
        c.add("contact.category %s" % category, put(base(), ["contact", "category"], category))
    c.add("contact.category given as its number, 9", put(base(), ["contact", "category"], 9))
    for bad in ("noise", "OTHER", "CATEGORY_UNSPECIFIED", "LOST_FOUND", "", 0, 10):
        c.add("contact.category %r" % (bad,), put(base(), ["contact", "category"], bad), hint="category")
    for handling in ("ANSWERED_ON_SPOT", "FOLLOW_UP", 1, 2):
        c.add("contact.handling %r" % (handling,), put(base(), ["contact", "handling"], handling))
    for bad in ("TRANSFERRED", "CLOSED", "HANDLING_UNSPECIFIED", "follow-up", "", 0, 3, 4, 5):
        c.add("contact.handling %r" % (bad,), put(base(), ["contact", "handling"], bad), hint="handling")

    # A house number goes with its street.
    c.add("contact.house_number without a street", put(base(), ["contact", "street"], DELETE), hint="house_number")
    c.add("contact.house_number with an empty street", put(base(), ["contact", "street"], ""), hint="house_number")
    c.add("contact.house_number with a null street", put(base(), ["contact", "street"], None), hint="house_number")
    c.add("contact.house_number empty, without a street",
          put(put(base(), ["contact", "street"], DELETE), ["contact", "house_number"], ""))
    c.add("contact.house_number null, without a street",
          put(put(base(), ["contact", "street"], DELETE), ["contact", "house_number"], None))
    c.add("contact.street alone, without a number", put(base(), ["contact", "house_number"], DELETE))

    # A resident's details only with their agreement.
    for agreed, what in ((False, "false"), (None, "null"), (DELETE, "absent"), ("true", "the string 'true'"),
                         (1, "1")):
        c.add("contact.contact_details with contact_agreed %s" % what, put(base(), ["contact", "contact_agreed"],
                                                                         agreed),
              hint="contact_" + ("agreed" if what in ("the string 'true'", "1") else "details"))
    c.add("contact.contact_agreed true without details", put(base(), ["contact", "contact_details"], DELETE))
    c.add("contact.contact_agreed false, details empty",
          put(put(base(), ["contact", "contact_details"], ""), ["contact", "contact_agreed"], False))
    c.add("contact.contact_agreed false, no details",
          put(put(base(), ["contact", "contact_details"], DELETE), ["contact", "contact_agreed"], False))

    # A written request is answered by a due date; only a written one is acknowledged.
    for channel in ("LETTER", "EMAIL", "FORM", 3):
        for due, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
            c.add("contact.response_due_date %s for a written request (%r)" % (what, channel),
                  put(put(base(), ["contact", "channel"], channel), ["contact", "response_due_date"], due),
                  hint="response_due_date")
    c.add("contact.response_due_date for a call", put(spoken(), ["contact", "response_due_date"],
                                                      (today + datetime.timedelta(days=7)).isoformat()))
    for channel in ("CALL", "VISIT", 1):
        c.add("contact.acknowledged_date for a %r" % (channel,),
              put(spoken(channel), ["contact", "acknowledged_date"], today.isoformat()), hint="acknowledged_date")
    for ack, what in (("", "empty"), (None, "null")):
        c.add("contact.acknowledged_date %s for a call" % what, put(spoken(), ["contact", "acknowledged_date"], ack))
    c.add("contact.acknowledged_date absent for a letter", put(base(), ["contact", "acknowledged_date"], DELETE))
    c.add("contact.acknowledged_date of a form", put(base(), ["contact", "channel"], "FORM"))

    # Calendar dates: the valid ones inside the hub's window of due dates.
    leap = leap_day_within(today, 700, 700)
    for field in ("acknowledged_date", "response_due_date"):
        for bad in BAD_DATES:
            c.add("contact.%s %r" % (field, bad), put(base(), ["contact", field], bad), hint=field)
        if leap and field == "response_due_date":  # an acknowledgement is dated by tomorrow at the latest
            c.add("contact.%s %s" % (field, leap), put(base(), ["contact", field], leap.isoformat()))

    # Times.
    for bad in (0, -1, "1796115900000", 1.5, now - 3600 * 1000 + 0.5):
        c.add("contact.occurred_ms %r" % (bad,), put(base(), ["contact", "occurred_ms"], bad), hint="occurred_ms")
    c.add("contact.occurred_ms 2^63, beyond an int64", put(base(), ["contact", "occurred_ms"], 9223372036854775808))
    c.add("contact.occurred_ms written as an integral real", put(base(), ["contact", "occurred_ms"],
                                                                 float(now - 3600 * 1000)))

    # Shape.
    c.add("an unknown field in contact", put(base(), ["contact", "forwarded_to"], "Police municipale"),
          hint="forwarded_to")
    c.add("contact.subject a number", put(base(), ["contact", "subject"], 12), hint="subject")
    c.add("contact an array", {"contact": []}, hint="contact")
    c.add("a contact and a transfer together",
          {"contact": base()["contact"], "transfer": {"entry_id": "A-1", "recipient": "POLICE_MUNICIPALE",
                                                      "recipient_name": "Police municipale", "means": "BY_PHONE"}})
    c.add("a header beside the contact", put(base(), ["header"], {"sender": "accueil-tu"}))


def make_contact_updates(c, args):
    today = utc_today()
    take = Taker(pool(args, "contact_update"), "contact_update")
    entry = take()  # a letter to follow up: every update here but the closings goes to it

    def base():
        return {"contact_update": {"entry_id": entry, "note": "Rappel de Mme Durand : la racine est signalée.",
                                   "acknowledged_date": today.isoformat(),
                                   "response_due_date": (today + datetime.timedelta(days=30)).isoformat(),
                                   "category": "PUBLIC_SPACE", "street": "Avenue Jean Perrin", "house_number": "4",
                                   "subject": "Trottoir soulevé par une racine"}}

    def only(field, value, entry_id=None):
        return {"contact_update": {"entry_id": entry_id or entry, field: value}}

    c.add("the base update (a note and corrections)", base())
    c.add("the least update (a note)", only("note", "x"))
    # Texts.
    for field, limit in (("note", 4000), ("street", 120), ("house_number", 10), ("subject", 120)):
        path = ["contact_update", field]
        c.add("contact_update.%s empty" % field, put(base(), path, ""))
        c.add("contact_update.%s null" % field, put(base(), path, None))
        c.add("contact_update.%s of %d accented letters" % (field, limit), put(base(), path, text(limit)))
        c.add("contact_update.%s of %d accented letters" % (field, limit + 1), put(base(), path, text(limit + 1)),
              hint=field)
        if field == "house_number":
            c.add("contact_update.%s of %d letters outside the BMP (its own entry)" % (field, limit),
                  only(field, text(limit, "😀"), take()))
        else:
            c.add("contact_update.%s of %d letters outside the BMP" % (field, limit),
                  put(base(), path, text(limit, "😀")))
        c.add("contact_update.%s of %d letters outside the BMP" % (field, limit + 1),
              put(base(), path, text(limit + 1, "😀")), hint=field)
    c.add("contact_update.note over three lines", only("note", "Un.\nDeux.\r\nTrois\tfin."))
    c.add("contact_update.house_number alone (the entry's street is kept)", only("house_number", "6 bis"))

    # An update must change something.
    c.add("contact_update with nothing but the entry", {"contact_update": {"entry_id": entry}},
          hint="nothing to update")
    c.add("contact_update with every field empty or null",
          {"contact_update": {"entry_id": entry, "note": "", "acknowledged_date": "", "response_due_date": None,
                              "street": "", "house_number": None, "subject": "", "handling": None,
                              "category": None}}, hint="nothing to update")
    for field, value in (("handling", "HANDLING_UNSPECIFIED"), ("handling", 0), ("category", "CATEGORY_UNSPECIFIED"),
                         ("category", 0), ("note", "")):
        c.add("contact_update with nothing but %s %r" % (field, value), only(field, value), hint="nothing to update")
    for field, value in (("handling", "FOLLOW_UP"), ("handling", 2), ("category", "NOISE"), ("category", 9),
                         ("acknowledged_date", today.isoformat()),
                         ("response_due_date", (today + datetime.timedelta(days=45)).isoformat()),
                         ("street", "Rue Houdan"), ("subject", "Bruit")):
        c.add("contact_update with nothing but %s %r" % (field, value), only(field, value))

    # Handling: FOLLOW_UP, CLOSED (each closing on an entry of its own), or keep.
    for closing in ("CLOSED", 4, 4.0):
        c.add("contact_update.handling %r (its own entry, closed)" % (closing,),
              {"contact_update": {"entry_id": take(), "handling": closing, "note": "Réponse envoyée."}})
    c.add("contact_update.handling CLOSED, no note (its own entry)", only("handling", "CLOSED", take()))
    for keep in ("HANDLING_UNSPECIFIED", 0):
        c.add("contact_update.handling %r with a note" % (keep,), put(base(), ["contact_update", "handling"], keep))
    for bad in ("ANSWERED_ON_SPOT", "TRANSFERRED", "closed", "", 1, 3, 5, -1):
        c.add("contact_update.handling %r" % (bad,), put(base(), ["contact_update", "handling"], bad),
              hint="handling")
    # Category.
    for keep in ("CATEGORY_UNSPECIFIED", 0):
        c.add("contact_update.category %r with a note" % (keep,), put(base(), ["contact_update", "category"], keep))
    for bad in ("OTHER", "noise", "", 10, -1):
        c.add("contact_update.category %r" % (bad,), put(base(), ["contact_update", "category"], bad),
              hint="category")

    # The entry's handle.
    number = entry[2:]
    for bad in ("a-" + number, "A-0" + number, "A-0", "A-", "A-1a", "C-" + number, "T-" + number, "R-" + number,
                " " + entry, entry + " ", "", entry + "\n", "A-+" + number, "A-1" + "0" * 20):
        c.add("contact_update.entry_id %r" % bad, put(base(), ["contact_update", "entry_id"], bad), hint="entry_id")
    for bad, what in ((DELETE, "missing"), (None, "null"), (12, "a number")):
        c.add("contact_update.entry_id %s" % what, put(base(), ["contact_update", "entry_id"], bad),
              hint="entry_id")
    c.add("contact_update.entry_id of 20 digits, naming nothing",
          put(base(), ["contact_update", "entry_id"], "A-1" + "0" * 19), expect="BAD_TRANSITION",
          hint="is not in the reception's register")

    # Dates (the hub's windows are the hub corpus's).
    leap = leap_day_within(today, 700, 700)
    for field in ("acknowledged_date", "response_due_date"):
        for bad in BAD_DATES:
            c.add("contact_update.%s %r" % (field, bad), put(base(), ["contact_update", field], bad), hint=field)
        if leap and field == "response_due_date":
            c.add("contact_update.%s %s" % (field, leap), put(base(), ["contact_update", field], leap.isoformat()))
        for ok, what in (("", "empty"), (None, "null"), (DELETE, "absent")):
            c.add("contact_update.%s %s" % (field, what), put(base(), ["contact_update", field], ok))

    # Shape.
    c.add("an unknown field in contact_update", put(base(), ["contact_update", "requester"], "Mme Durand"),
          hint="requester")
    c.add("contact_update an array", {"contact_update": []}, hint="contact_update")
    c.add("contact_update.note a number", put(base(), ["contact_update", "note"], 3), hint="note")
    c.add("a contact update and a contact together",
          {"contact_update": base()["contact_update"], "contact": base_contact(now_ms(), today)["contact"]})


def make_transfers(c, args):
    take = Taker(pool(args, "transfer"), "transfer")
    hub, partner = args.get("coordinator", "coordination"), args.get("partner", "college-curie")
    longest = args["longest"]
    if len(longest) != 63:
        raise SystemExit("schema_corpus: longest=%s is not 63 characters" % longest)
    placeholder = "A-12"  # named by the documents the schema refuses: the hub refuses them before it looks

    def base():
        return {"transfer": {"entry_id": placeholder, "recipient": "POLICE_MUNICIPALE",
                             "recipient_name": "Police municipale de Sceaux", "means": "BY_PHONE",
                             "note": "Passage demandé ce soir vers minuit."}}

    def to_hub(name=hub):
        return {"transfer": {"entry_id": placeholder, "recipient": "HUB", "recipient_name": name, "means": "BY_HUB",
                             "note": "Une famille suivie ?"}}

    def add(what, doc, **kw):
        """Each document the schema accepts transfers an entry of its own (an entry holds 16 transfers,
        and one to a recipient of the hub at a time)."""
        if isinstance(doc.get("transfer"), dict) and doc["transfer"].get("entry_id") == placeholder and \
                c.schema_verdict(doc)[0]:
            doc["transfer"]["entry_id"] = take()
        c.add(what, doc, **kw)

    add("the base transfer (to the police municipale, by phone)", base())
    add("the least transfer", {"transfer": {"entry_id": placeholder, "recipient": "MUNICIPAL_SERVICE",
                                            "recipient_name": "x", "means": "IN_PERSON"}})
    # Every recipient, and every means that goes with it.
    for recipient, means in (("POLICE_NATIONALE", "BY_EMAIL"), ("VICTIM_SUPPORT_ASSOCIATION", "BY_LETTER"),
                             ("MUNICIPAL_SERVICE", "IN_PERSON"), (2, 3), (4, 5), (1, 2.0)):
        add("transfer to %r %r" % (recipient, means),
            put(put(base(), ["transfer", "recipient"], recipient), ["transfer", "means"], means))
    add("transfer to the coordinator (HUB %s, BY_HUB)" % hub, to_hub())
    add("transfer to a partner (HUB %s, BY_HUB)" % partner, to_hub(partner))
    add("transfer to a partner of 63 characters (HUB %s)" % longest, to_hub(longest))
    add("transfer to HUB given as 5, BY_HUB as 1", put(put(to_hub(), ["transfer", "recipient"], 5),
                                                      ["transfer", "means"], 1))
    # BY_HUB for HUB, and only for it.
    for means in ("BY_PHONE", "BY_EMAIL", "IN_PERSON", 2):
        add("transfer to HUB %r" % (means,), put(to_hub(), ["transfer", "means"], means), hint="means")
    for recipient in ("POLICE_MUNICIPALE", "MUNICIPAL_SERVICE", 1):
        add("transfer to %r BY_HUB" % (recipient,), put(put(base(), ["transfer", "recipient"], recipient),
                                                        ["transfer", "means"], "BY_HUB"), hint="means")
    add("transfer to 4 by 1 (BY_HUB)", put(put(base(), ["transfer", "recipient"], 4), ["transfer", "means"], 1),
        hint="means")
    # The recipient's name: 120 characters, 63 for HUB.
    path = ["transfer", "recipient_name"]
    for limit, start, what in ((120, base, "a service"), (63, to_hub, "HUB")):
        add("transfer.recipient_name of %s, %d accented letters" % (what, limit + 1),
            put(start(), path, text(limit + 1)), hint="recipient_name")
        add("transfer.recipient_name of %s, %d letters outside the BMP" % (what, limit + 1),
            put(start(), path, text(limit + 1, "😀")), hint="recipient_name")
    add("transfer.recipient_name of a service, 120 accented letters", put(base(), path, text(120)))
    add("transfer.recipient_name of a service, 120 letters outside the BMP", put(base(), path, text(120, "😀")))
    add("transfer.recipient_name of a service, 64 letters", put(base(), path, text(64, "a")))
    add("transfer.recipient_name of HUB, 64 letters (%s and one more)" % longest, put(to_hub(), path, longest + "a"),
        hint="recipient_name")
    add("transfer.recipient_name of HUB, 120 letters", put(to_hub(), path, text(120, "a")), hint="recipient_name")
    for bad, what in (("", "empty"), (DELETE, "missing"), (None, "null"), (5, "a number")):
        add("transfer.recipient_name %s" % what, put(base(), path, bad), hint="recipient_name")
    # The note.
    path = ["transfer", "note"]
    add("transfer.note of 4000 accented letters", put(base(), path, text(4000)))
    add("transfer.note of 4001 accented letters", put(base(), path, text(4001)), hint="note")
    add("transfer.note of 4000 letters outside the BMP", put(base(), path, text(4000, "😀")))
    add("transfer.note of 4001 letters outside the BMP", put(base(), path, text(4001, "😀")), hint="note")
    add("transfer.note over three lines", put(base(), path, "Un.\nDeux.\r\nTrois\tfin."))
    for ok, what in (("", "empty"), (None, "null"), (DELETE, "absent")):
        add("transfer.note %s" % what, put(base(), path, ok))
    # Enumerations.
    for field, bads in (("recipient", ("police-municipale", "POLICE", "RECIPIENT_UNSPECIFIED", "HUB ", "", 0, 6,
                                       True)),
                        ("means", ("phone", "BY_FAX", "MEANS_UNSPECIFIED", "", 0, 6, 1.5))):
        for bad in bads:
            add("transfer.%s %r" % (field, bad), put(base(), ["transfer", field], bad), hint=field)
        for bad, what in ((DELETE, "missing"), (None, "null")):
            add("transfer.%s %s" % (field, what), put(base(), ["transfer", field], bad), hint=field)
    # The entry's handle.
    for bad in ("a-12", "A-012", "A-", "A-0", "T-12", "C-12", " A-12", "A-12\n", "A-1" + "0" * 20, ""):
        add("transfer.entry_id %r" % bad, put(base(), ["transfer", "entry_id"], bad), hint="entry_id")
    for bad, what in ((DELETE, "missing"), (None, "null")):
        add("transfer.entry_id %s" % what, put(base(), ["transfer", "entry_id"], bad), hint="entry_id")
    add("transfer.entry_id of 20 digits, naming nothing", put(base(), ["transfer", "entry_id"], "A-1" + "0" * 19),
        expect="BAD_TRANSITION", hint="is not in the reception's register")
    # Shape.
    add("an unknown field in transfer", put(base(), ["transfer", "urgent"], True), hint="urgent")
    add("transfer an array", {"transfer": []}, hint="transfer")
    add("a transfer and a transfer answer together",
        {"transfer": base()["transfer"], "transfer_answer": {"transfer_id": "T-1", "answer": "ACCEPTED"}})


def make_answer_targets(c, args):
    """Transfers to the coordinator, one an entry of the answers' slice: what the answers answer."""
    hub = args.get("coordinator", "coordination")
    for i, entry in enumerate(pool(args, "answer")):
        doc = {"transfer": {"entry_id": entry, "recipient": "HUB", "recipient_name": hub, "means": "BY_HUB"}}
        c.add("transfer %d to %s, to be answered" % (i + 1, hub), doc, name="target-%03d.json" % (i + 1))


def make_transfer_answers(c, args):
    with open(args["transfers"], encoding="utf-8") as f:
        take = Taker([line.strip() for line in f if line.strip()], "transfer_answer")
    spare = take()  # named by the documents the schema refuses: the hub refuses them before it looks

    def base(answer="ACCEPTED", note="Famille connue, je la rappelle."):
        doc = {"transfer_answer": {"transfer_id": spare, "answer": answer, "note": note}}
        if note is DELETE:
            del doc["transfer_answer"]["note"]
        return doc

    def add(what, doc, **kw):
        """Each document the schema accepts answers a transfer of its own: a transfer is answered once."""
        if isinstance(doc.get("transfer_answer"), dict) and doc["transfer_answer"].get("transfer_id") == spare and \
                c.schema_verdict(doc)[0]:
            doc["transfer_answer"]["transfer_id"] = take()
        c.add(what, doc, **kw)

    add("the base answer (accepted, with a note)", base())
    add("accepted without a note", base(note=DELETE))
    add("accepted with an empty note", base(note=""))
    add("accepted with a null note", base(note=None))
    add("accepted given as 1, without a note", base(1, DELETE))
    add("declined with a note", base("DECLINED", "Hors de notre champ : voir la police municipale."))
    add("declined given as 2, with a note", base(2, "Non."))
    add("declined given as 2.0, with a note", base(2.0, "Non."))
    add("declined with a note over two lines", base("DECLINED", "Hors champ.\nVoir le CCAS."))
    for note, what in ((DELETE, "without a note"), ("", "with an empty note"), (None, "with a null note")):
        add("declined %s" % what, base("DECLINED", note), hint="note")
        add("declined given as 2, %s" % what, base(2, note), hint="note")
    add("transfer_answer.note of 4000 accented letters", base(note=text(4000)))
    add("transfer_answer.note of 4001 accented letters", base(note=text(4001)), hint="note")
    add("transfer_answer.note of 4000 letters outside the BMP", base("DECLINED", text(4000, "😀")))
    add("transfer_answer.note of 4001 letters outside the BMP", base("DECLINED", text(4001, "😀")), hint="note")
    for bad in ("accepted", "ACCEPT", "ANSWER_UNSPECIFIED", "", 0, 3, False):
        add("transfer_answer.answer %r" % (bad,), base(bad), hint="answer")
    for bad, what in ((DELETE, "missing"), (None, "null")):
        add("transfer_answer.answer %s" % what, put(base(), ["transfer_answer", "answer"], bad), hint="answer")
    number = spare[2:]
    for bad in ("t-" + number, "T-0" + number, "T-", "T-0", "A-" + number, " " + spare, spare + "\n",
                "T-1" + "0" * 20, "T-" + number + "x", ""):
        add("transfer_answer.transfer_id %r" % bad, put(base(), ["transfer_answer", "transfer_id"], bad),
            hint="transfer_id")
    for bad, what in ((DELETE, "missing"), (None, "null")):
        add("transfer_answer.transfer_id %s" % what, put(base(), ["transfer_answer", "transfer_id"], bad),
            hint="transfer_id")
    add("transfer_answer.transfer_id of 20 digits, naming nothing",
        put(base(), ["transfer_answer", "transfer_id"], "T-1" + "0" * 19), expect="FORBIDDEN",
        hint="was not transferred to")
    add("an unknown field in transfer_answer", put(base(), ["transfer_answer", "by"], "coordination"), hint="by")
    add("transfer_answer an array", {"transfer_answer": []}, hint="transfer_answer")


def make_examples(c, args):
    """The examples of examples/, as a test submits them: the times and dates of today, the handles
    of this run. Stage 1 (the desk's): the contacts, the update and the transfers, with the
    entries=FILE of the register's pool, and the lost and found's items and updates, shifted from
    the day they were written to this run's time, with items=FILE of its pool; stage 2, with
    transfer=T-N: the answer, to that transfer; stage 3, with stage=decree (the publisher's): the
    decrees, shifted likewise, repealing decrees of decrees=FILE's pool."""
    now, today = now_ms(), utc_today()
    stage = args.get("stage", "answer" if "transfer" in args else "desk")
    kinds = {"desk": ("contact", "contact_update", "transfer", "lost_found", "lost_found_update"),
             "answer": ("transfer_answer",), "decree": ("decree",)}[stage]
    shift_ms = now - EXAMPLES_WRITTEN_MS
    written = datetime.datetime.fromtimestamp(EXAMPLES_WRITTEN_MS / 1000, datetime.timezone.utc).date()
    shift_days = datetime.timedelta(days=(today - written).days)

    def shifted(date):
        return (datetime.date.fromisoformat(date) + shift_days).isoformat() if date else date

    take = Taker(pool(args, "example"), "example") if stage == "desk" else None
    if stage == "desk" and "items" in args:
        take_found = Taker(lost_pool(args, "over", "example"), "example (found items)")
        take_sought = Taker(lost_pool(args, "sought", "example"), "example (declarations)")
    if stage == "decree":
        take_decree = Taker(decree_pool(args, "example"), "example (decrees)")
    for name in sorted(n for n in os.listdir(args["examples"]) if n.endswith(".json")):
        with open(os.path.join(args["examples"], name), encoding="utf-8") as f:
            doc = json.load(f)
        kind = next(iter(doc))
        if kind not in kinds:
            continue
        body = doc[kind]
        if kind == "contact":
            body["occurred_ms"] = now - 2 * 3600 * 1000
            for field, days in (("acknowledged_date", 0), ("response_due_date", 60)):
                if field in body:
                    body[field] = (today + datetime.timedelta(days=days)).isoformat()
        elif kind in ("contact_update", "transfer"):
            body["entry_id"] = take()
        elif kind == "transfer_answer":
            body["transfer_id"] = args["transfer"]
        elif kind == "lost_found":
            for field in ("when_ms", "until_ms"):
                if body.get(field):
                    body[field] += shift_ms
            if body.get("keep_until"):
                body["keep_until"] = shifted(body["keep_until"])
        elif kind == "lost_found_update":
            body["item_id"] = take_found() if body["item_id"].startswith("O-") else take_sought()
            if body.get("declaration_id"):
                body["declaration_id"] = take_sought()
        elif kind == "decree":
            for field in ("signed_date", "effective_from", "effective_to"):
                if body.get(field):
                    body[field] = shifted(body[field])
            if body.get("repeals"):
                body["repeals"] = [take_decree() for _ in body["repeals"]]
            if body.get("request_entry") and "entries" in args:
                body["request_entry"] = pool(args, "example")[-1]  # an entry of this run (it is only named)
        c.add("the example %s (this run's dates and handles)" % name, doc, name=name)
        if c.entries[-1]["expect"] != "ACK":
            raise SystemExit("schema_corpus: the schema refuses the example %s: %s" % (name,
                                                                                     c.entries[-1]["schema_error"]))


def reception_hub_cases(args, review_days, now, today, day):
    """The register's rules no schema can state: the windows of a solicitation's time and of its due
    date (--review-days), the registry's recipients (each round transfers an entry of its own), and
    handles that name nothing."""
    def contact(occurred=None, due=None):
        doc = base_contact(now, today)
        if occurred is not None:
            doc["contact"]["occurred_ms"] = occurred
        if due is not None:
            doc["contact"]["response_due_date"] = due
        return doc

    cases = [
        ("a solicitation 4 minutes ahead (within the clock skew)", contact(now + 240 * 1000), True, ""),
        ("a solicitation 6 minutes ahead", contact(now + 360 * 1000), False, "is in the future"),
        ("a solicitation's time in seconds", contact(now // 1000), False, "(not seconds)"),
        ("a solicitation %d days ago" % (review_days - 1), contact(now - (review_days - 1) * DAY_MS), True, ""),
        ("a solicitation %d days ago" % (review_days + 1), contact(now - (review_days + 1) * DAY_MS), False,
         "is more than %d days ago" % review_days),
        ("a response due %d days ahead" % review_days, contact(due=day(review_days)), True, ""),
        ("a response due %d days ahead" % (review_days + 1), contact(due=day(review_days + 1)), False,
         "is more than %d days ahead" % review_days),
        ("a response due the day it came", contact(due=day(0)), True, ""),
        ("a response due 2 days before it came", contact(due=day(-2)), False, "is before the solicitation came"),
        ("a response due %d days ago" % (review_days + 1), contact(due=day(-review_days - 1)), False,
         "is more than %d days ago" % review_days),
    ]
    def acknowledged(date):
        doc = base_contact(now, today)
        doc["contact"]["acknowledged_date"] = date
        return doc
    cases += [
        ("an acknowledgement dated tomorrow (a clock in another zone)", acknowledged(day(1)), True, ""),
        ("an acknowledgement dated in 2 days", acknowledged(day(2)), False, "is after tomorrow"),
        ("an acknowledgement the day it came", acknowledged(day(0)), True, ""),
        ("an acknowledgement 2 days before it came", acknowledged(day(-2)), False, "is before the solicitation came"),
        ("an acknowledgement %d days ago" % (review_days + 1), acknowledged(day(-review_days - 1)), False,
         "is more than %d days ago" % review_days),
    ]
    rnd = int(args.get("round", "0"))
    entry = pool(args, "hub")[rnd]

    def transfer(name, entry_id=entry):
        return {"transfer": {"entry_id": entry_id, "recipient": "HUB", "recipient_name": name, "means": "BY_HUB"}}

    desk, hub, partner = args.get("desk", "accueil-tu"), args.get("hub", "relaisd"), args.get("partner",
                                                                                               "college-curie")
    missing = "A-99999999"
    cases += [
        ("a transfer to a name of 63 letters that is no identity", transfer("a" * 63), False,
         "no identity of the registry"),
        ("a transfer to the hub's own identity (%s, role broker)" % hub, transfer(hub), False,
         "not a partner nor the coordinator"),
        ("a transfer to the reception desk itself (%s)" % desk, transfer(desk), False,
         "not a partner nor the coordinator"),
        ("a transfer to a partner of the registry (%s)" % partner, transfer(partner), True, ""),
        ("a transfer of an entry that does not exist", transfer(partner, missing), None,
         "%s is not in the reception's register" % missing),
        ("an update of an entry that does not exist", {"contact_update": {"entry_id": missing, "note": "x"}},
         None, "%s is not in the reception's register" % missing),
        ("an answer to a transfer that does not exist (the same refusal as another's transfer)",
         {"transfer_answer": {"transfer_id": "T-99999999", "answer": "ACCEPTED"}}, "FORBIDDEN",
         "T-99999999 was not transferred to"),
    ]
    if args.get("referral"):
        # A child's referral is no entry: its number as an entry's names nothing of the register.
        named = "A-" + args["referral"][2:]
        cases.append(("an update naming a child's referral (%s as %s)" % (args["referral"], named),
                      {"contact_update": {"entry_id": named, "note": "x"}}, None,
                      "%s is not in the reception's register" % named))
    return cases


# ---- The lost and found ----------------------------------------------------------------------

# The items the lost and found's corpora name, made first (`make lost_pool`, sent by the desk) and
# handed to each corpus as a file of their handles, one a line, in the order made: found items
# whose keeping is over (their finder claims them: any outcome may end them), declarations still
# sought, a found item kept for a month yet, and one whose finder did not claim it. Each corpus
# takes its own slice of each group, so that what one document closes changes nothing for another.
LOST_GROUPS = (("over", 64), ("sought", 44), ("kept", 6), ("unclaimed", 2))
LOST_POOL = {"over": {"update": (0, 44), "example": (44, 48), "hub": (48, 64)},
             "sought": {"update": (0, 28), "example": (28, 32), "hub": (32, 44)},
             "kept": {"hub": (0, 6)}, "unclaimed": {"hub": (0, 2)}}
# The day a found wallet and its owner's declaration were written down in examples/ (a Thursday
# morning at the desk, 2026-12-03 10:30, Paris): the examples are sent shifted to this run's time.
EXAMPLES_WRITTEN_MS = 1796290200000


def lost_pool(args, group, kind):
    """The handles of the lost and found pool's slice `kind` of `group` (args' items=FILE)."""
    with open(args["items"], encoding="utf-8") as f:
        handles = [line.strip() for line in f if line.strip()]
    start = 0
    for name, size in LOST_GROUPS:
        if name == group:
            break
        start += size
    lo, hi = LOST_POOL[group][kind]
    if len(handles) < sum(size for _, size in LOST_GROUPS):
        raise SystemExit("schema_corpus: %d items in %s; the corpora need %d" % (
            len(handles), args["items"], sum(size for _, size in LOST_GROUPS)))
    return handles[start + lo:start + hi]


def base_found(now, today):
    return {"lost_found": {"kind": "FOUND", "category": "WALLET",
                           "description": "Portefeuille en cuir marron, fermeture éclair cassée.\nCarte Navigo.",
                           "street": "Rue Houdan", "house_number": "12", "place": "devant l'arrêt de bus",
                           "when_ms": now - 3600 * 1000, "person": "M. Karim Benhamou", "contact": "01 99 00 06 18",
                           "storage": "coffre de l'accueil", "keep_until": (today + datetime.timedelta(days=366)).isoformat()}}


def base_lost(now):
    return {"lost_found": {"kind": "LOST", "category": "WALLET", "description": "Portefeuille en cuir marron.",
                           "place": "entre la gare et le marché", "when_ms": now - 5 * 3600 * 1000,
                           "until_ms": now - 4 * 3600 * 1000, "person": "Mme Nadia Roussel", "contact": "01 99 00 07 52"}}


def make_lost_pool(c, args):
    """The pool: found items kept past their keeping (found ten days ago, kept to two days ago: the
    end of that day is past in every time zone), declarations, found items kept a month yet."""
    now, today = now_ms(), utc_today()
    n = 0
    for group, size in LOST_GROUPS:
        for i in range(size):
            n += 1
            if group == "sought":
                doc = put(base_lost(now), ["lost_found", "description"], "Perte %d du lot" % (i + 1))
            else:
                doc = put(base_found(now, today), ["lost_found", "description"], "Objet %d du lot (%s)" % (i + 1, group))
                if group == "kept":
                    doc["lost_found"]["keep_until"] = (today + datetime.timedelta(days=30)).isoformat()
                else:
                    doc["lost_found"]["when_ms"] = now - 10 * DAY_MS
                    doc["lost_found"]["keep_until"] = (today - datetime.timedelta(days=2)).isoformat()
                doc["lost_found"]["finder_claims"] = group != "unclaimed"
            c.add("item %d of the pool (%s)" % (i + 1, group), doc, name="lostpool-%03d.json" % n)
            if c.entries[-1]["expect"] != "ACK":
                raise SystemExit("schema_corpus: the schema refuses the pool's item: %s" % c.entries[-1]["schema_error"])


def make_lost_items(c, args):
    now, today = now_ms(), utc_today()
    path = lambda field: ["lost_found", field]

    def found():
        return base_found(now, today)

    def lost():
        return base_lost(now)

    def without(doc, *fields):
        for field in fields:
            doc["lost_found"].pop(field, None)
        return doc

    c.add("the base found item (a street and a place, the finder named)", found())
    c.add("the base declared loss (a place, a window of time)", lost())
    c.add("the least found item (a place, an anonymous finder)",
          {"lost_found": {"kind": "FOUND", "category": "KEYS", "description": "x", "place": "y",
                          "when_ms": now - 60000, "storage": "z", "keep_until": today.isoformat()}})
    c.add("the least declared loss (a street, a moment)",
          {"lost_found": {"kind": "LOST", "category": "PHONE", "description": "x", "street": "Rue Houdan",
                          "when_ms": now - 60000, "person": "y", "contact": "z"}})

    # Texts: empty, at the limit and one over, in accented letters and in letters outside the BMP.
    for field, limit, required_found, required_lost in (
            ("description", 1000, True, True), ("street", 120, False, False), ("house_number", 10, False, False),
            ("place", 120, False, False), ("person", 120, False, True), ("contact", 120, False, True),
            ("storage", 120, True, False)):
        for kind, start in (("found", found), ("lost", lost)):
            if field == "storage" and kind == "lost":
                continue
            required = required_found if kind == "found" else required_lost
            begin = start
            if field == "street":  # the street's variants leave the number out
                begin = (lambda s=start: without(s(), "house_number"))
            if field in ("house_number", "place") and kind == "lost":  # a declaration with a street too
                begin = (lambda: put(lost(), path("street"), "Rue Houdan"))
            name = "lost_found.%s (%s)" % (field, kind)
            c.add("%s empty" % name, put(begin(), path(field), ""), hint=field if required else "")
            c.add("%s of %d accented letters" % (name, limit), put(begin(), path(field), text(limit)))
            c.add("%s of %d accented letters" % (name, limit + 1), put(begin(), path(field), text(limit + 1)),
                  hint=field)
            if limit <= 120:
                c.add("%s of %d letters outside the BMP" % (name, limit), put(begin(), path(field), text(limit, "😀")))
                c.add("%s of %d letters outside the BMP" % (name, limit + 1),
                      put(begin(), path(field), text(limit + 1, "😀")), hint=field)
            if required:
                c.add("%s missing" % name, put(begin(), path(field), DELETE), hint=field)
                c.add("%s null" % name, put(begin(), path(field), None), hint=field)
            else:
                c.add("%s absent" % name, without(begin(), field))
                c.add("%s null" % name, put(begin(), path(field), None))
    c.add("lost_found.description over three lines", put(found(), path("description"), "Un.\nDeux.\r\nTrois\tfin."))
    c.add("lost_found.description of 1001 ASCII letters", put(lost(), path("description"), text(1001, "a")),
          hint="description")

    # Required fields: missing, null.
    for field in ("kind", "category", "when_ms"):
        c.add("lost_found.%s missing" % field, put(found(), path(field), DELETE), hint=field)
        c.add("lost_found.%s null" % field, put(found(), path(field), None), hint=field)

    # Enumerations, by name and by number.
    for kind in ("FOUND", 1, 1.0):
        c.add("lost_found.kind %r (a found item)" % (kind,), put(found(), path("kind"), kind))
    for kind in ("LOST", 2):
        c.add("lost_found.kind %r (a declared loss)" % (kind,), put(lost(), path("kind"), kind))
    for bad in ("found", "KIND_UNSPECIFIED", "TROUVE", "", 0, 3, -1, 1.5, True):
        c.add("lost_found.kind %r" % (bad,), put(found(), path("kind"), bad), hint="kind")
    for category in ("KEYS", "WALLET", "PHONE", "BAG", "PAPERS", "JEWELLERY", "CLOTHING", "GLASSES", "ELECTRONICS",
                     "BICYCLE", "TOY", "OTHER_ITEM"):
        c.add("lost_found.category %s" % category, put(found(), path("category"), category))
    c.add("lost_found.category given as its number, 12", put(lost(), path("category"), 12))
    for bad in ("wallet", "OTHER", "OTHER_CATEGORY", "CATEGORY_UNSPECIFIED", "", 0, 13):
        c.add("lost_found.category %r" % (bad,), put(found(), path("category"), bad), hint="category")

    # Where: a street of the list, a place, or both; a house number with its street.
    c.add("lost_found with a street alone", without(found(), "place"))
    c.add("lost_found with a place alone", without(found(), "street", "house_number"))
    for what, doc in (("neither a street nor a place", without(found(), "street", "house_number", "place")),
                      ("an empty street and an empty place",
                       put(put(without(lost(), "house_number"), path("street"), ""), path("place"), "")),
                      ("a null street and a null place",
                       put(put(without(found(), "house_number"), path("street"), None), path("place"), None))):
        c.add("lost_found with %s" % what, doc, hint="place")
    c.add("lost_found.house_number without a street", without(found(), "street"), hint="house_number")
    c.add("lost_found.house_number with an empty street", put(found(), path("street"), ""), hint="house_number")
    c.add("lost_found.house_number empty, without a street", put(without(found(), "street"), path("house_number"), ""))

    # Times.
    for bad in (0, -1, "1796229600000", 1.5, now - 3600 * 1000 + 0.5):
        c.add("lost_found.when_ms %r" % (bad,), put(found(), path("when_ms"), bad), hint="when_ms")
    c.add("lost_found.when_ms 2^63, beyond an int64", put(found(), path("when_ms"), 9223372036854775808))
    c.add("lost_found.when_ms written as an integral real", put(found(), path("when_ms"), float(now - 3600 * 1000)))
    when = lost()["lost_found"]["when_ms"]
    for ok, what in ((when, "equal to when_ms"), (0, "0"), (None, "null"), (DELETE, "absent")):
        c.add("lost_found.until_ms %s (a declared loss)" % what, put(lost(), path("until_ms"), ok))
    for bad in (-1, "1796230800000", 1.5):
        c.add("lost_found.until_ms %r (a declared loss)" % (bad,), put(lost(), path("until_ms"), bad), hint="until_ms")
    c.add("lost_found.until_ms of a found item", put(found(), path("until_ms"), now - 1800 * 1000), hint="until_ms")
    for ok, what in ((0, "0"), (None, "null")):
        c.add("lost_found.until_ms %s of a found item" % what, put(found(), path("until_ms"), ok))

    # A found item is stored and kept until a date; a declared loss is neither.
    for bad in BAD_DATES:
        c.add("lost_found.keep_until %r" % bad, put(found(), path("keep_until"), bad), hint="keep_until")
    for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
        c.add("lost_found.keep_until %s (a found item)" % what, put(found(), path("keep_until"), bad),
              hint="keep_until")
    c.add("lost_found.storage of a declared loss", put(lost(), path("storage"), "armoire 2"), hint="storage")
    c.add("lost_found.keep_until of a declared loss", put(lost(), path("keep_until"), today.isoformat()),
          hint="keep_until")
    for ok, what in (("", "empty"), (None, "null")):
        c.add("lost_found.storage and keep_until %s (a declared loss)" % what,
              put(put(lost(), path("storage"), ok), path("keep_until"), ok))

    # The finder may claim it, if they give their name; a declared loss has no finder.
    c.add("lost_found.finder_claims true, the finder named", put(found(), path("finder_claims"), True))
    for ok, what in ((False, "false"), (None, "null")):
        c.add("lost_found.finder_claims %s, the finder anonymous" % what,
              put(without(found(), "person"), path("finder_claims"), ok))
    for person, what in ((DELETE, "absent"), ("", "empty"), (None, "null")):
        c.add("lost_found.finder_claims true, the finder's name %s" % what,
              put(put(found(), path("finder_claims"), True), path("person"), person), hint="finder_claims")
    c.add("lost_found.finder_claims true for a declared loss", put(lost(), path("finder_claims"), True),
          hint="finder_claims")
    c.add("lost_found.finder_claims false for a declared loss", put(lost(), path("finder_claims"), False))
    for bad in ("true", 1):
        c.add("lost_found.finder_claims %r" % (bad,), put(found(), path("finder_claims"), bad), hint="finder_claims")

    # Shape.
    c.add("an unknown field in lost_found", put(found(), path("register_number"), "2026-211"),
          hint="register_number")
    c.add("lost_found.description a number", put(found(), path("description"), 12), hint="description")
    c.add("lost_found an array", {"lost_found": []}, hint="lost_found")
    c.add("an item and its update together",
          {"lost_found": found()["lost_found"], "lost_found_update": {"item_id": "O-1", "kind": "NOTE", "note": "x"}})
    c.add("a header beside the item", put(found(), ["header"], {"sender": "accueil-tu"}))


def make_lost_updates(c, args):
    take_found = Taker(lost_pool(args, "over", "update"), "lost_found_update (found items)")
    take_sought = Taker(lost_pool(args, "sought", "update"), "lost_found_update (declarations)")
    found, sought = take_found(), take_sought()  # named by the notes, and by the documents the schema refuses
    ph_found, ph_sought = "O-12", "P-12"

    def add(what, doc, **kw):
        """Each document the schema accepts that closes an item (a return, an end, a withdrawal) closes
        one of its own, and a return that names a declaration, a declaration of its own; the others
        name the two items every note goes to."""
        body = doc.get("lost_found_update") if isinstance(doc, dict) else None
        valid = c.schema_verdict(doc)[0]
        if isinstance(body, dict):
            if body.get("item_id") == ph_found:
                body["item_id"] = take_found() if valid else found
            elif body.get("item_id") == ph_sought:
                body["item_id"] = take_sought() if valid else sought
            if body.get("declaration_id") == ph_sought:
                body["declaration_id"] = take_sought() if valid else sought
        c.add(what, doc, **kw)

    def note(item=None):
        return {"lost_found_update": {"item_id": item or found, "kind": "NOTE",
                                      "note": "Appel de Mme Roussel : elle passera demain."}}

    def ret(declaration=False):
        doc = {"lost_found_update": {"item_id": ph_found, "kind": "RETURN", "owner": "Mme Nadia Roussel",
                                     "identity_checked": "carte d'identité …4521", "note": "Contenu vérifié."}}
        if declaration:
            doc["lost_found_update"]["declaration_id"] = ph_sought
        return doc

    def end(outcome="HANDED_OVER"):
        doc = {"lost_found_update": {"item_id": ph_found, "kind": "END", "outcome": outcome,
                                     "note": "Non réclamé dans l'an et jour."}}
        if outcome in ("HANDED_OVER", 2):
            doc["lost_found_update"]["handed_to"] = "CCAS de Sceaux, vestiaire solidaire"
        return doc

    def withdraw():
        return {"lost_found_update": {"item_id": ph_sought, "kind": "WITHDRAW", "note": "Retrouvé chez elle."}}

    p = lambda field: ["lost_found_update", field]
    add("the base note, on a found item", note())
    add("a note on a declaration", note(sought))
    add("a note over three lines", put(note(), p("note"), "Un.\nDeux.\r\nTrois\tfin."))
    add("the base return (the owner, the document checked)", ret())
    add("a return closing the owner's declaration", ret(True))
    add("a return without a note", put(ret(), p("note"), DELETE))
    for outcome in ("TO_FINDER", "HANDED_OVER", "DESTROYED", 1, 2, 3):
        add("an end %r (the keeping over)" % (outcome,), end(outcome))
    add("an end, destroyed, without a note", put(end("DESTROYED"), p("note"), DELETE))
    add("the base withdrawal", withdraw())
    for kind, doc in ((1, note()), (2, ret()), (3, end()), (4, withdraw()), (2.0, ret())):
        add("lost_found_update.kind given as its number, %r" % (kind,), put(doc, p("kind"), kind))

    # The item's handle: O- for a return and an end, P- for a withdrawal, either for a note.
    number = found[2:]
    for bad in ("o-" + number, "O-0" + number, "O-", "O-0", "A-" + number, "T-" + number, " " + found, found + "\n",
                "O-1" + "0" * 20, "O-" + number + "x", ""):
        add("lost_found_update.item_id %r" % bad, put(note(), p("item_id"), bad), hint="item_id")
    for bad, what in ((DELETE, "missing"), (None, "null"), (12, "a number")):
        add("lost_found_update.item_id %s" % what, put(note(), p("item_id"), bad), hint="item_id")
    add("lost_found_update.item_id of 20 digits, naming nothing", put(note(), p("item_id"), "O-1" + "0" * 19),
        expect="BAD_TRANSITION", hint="is not in the lost and found")
    add("a return of a declaration (P-)", put(ret(), p("item_id"), sought), hint="item_id")
    add("an end of a declaration (P-)", put(end(), p("item_id"), sought), hint="item_id")
    add("a withdrawal of a found item (O-)", put(withdraw(), p("item_id"), found), hint="item_id")

    # The kind.
    for bad in ("note", "KIND_UNSPECIFIED", "CLOSE", "", 0, 5, -1, True):
        add("lost_found_update.kind %r" % (bad,), put(note(), p("kind"), bad), hint="kind")
    for bad, what in ((DELETE, "missing"), (None, "null")):
        add("lost_found_update.kind %s" % what, put(note(), p("kind"), bad), hint="kind")

    # A return: the owner and the document checked; no other kind names them.
    for field in ("owner", "identity_checked"):
        for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
            add("a return, %s %s" % (field, what), put(ret(), p(field), bad), hint=field)
        add("a return, %s of 120 accented letters" % field, put(ret(), p(field), text(120)))
        add("a return, %s of 121 accented letters" % field, put(ret(), p(field), text(121)), hint=field)
        add("a return, %s of 121 letters outside the BMP" % field, put(ret(), p(field), text(121, "😀")), hint=field)
        add("a note naming an %s" % field, put(note(), p(field), "Mme Roussel"), hint=field)
        add("an end naming an %s" % field, put(end(), p(field), "Mme Roussel"), hint=field)
    for ok, what in (("", "empty"), (None, "null")):
        add("a return, declaration_id %s" % what, put(ret(), p("declaration_id"), ok))
        add("a note, owner and identity %s" % what, put(put(note(), p("owner"), ok), p("identity_checked"), ok))
    snumber = sought[2:]
    for bad in ("p-" + snumber, "P-0" + snumber, "P-", found, "A-" + snumber, sought + "\n", "P-1" + "0" * 20):
        add("a return, declaration_id %r" % bad, put(ret(), p("declaration_id"), bad), hint="declaration_id")
    add("a note naming a declaration", put(note(), p("declaration_id"), sought), hint="declaration_id")
    add("a withdrawal naming a declaration", put(withdraw(), p("declaration_id"), sought), hint="declaration_id")

    # An end: its outcome, and to whom for an item handed over; no other kind has one.
    for bad, what in ((DELETE, "missing"), (None, "null"), (0, "0"), ("OUTCOME_UNSPECIFIED", "unspecified")):
        add("an end, outcome %s" % what, put(end(), p("outcome"), bad), hint="outcome")
    for bad in ("handed-over", "LOST", "", 4, -1, 2.5):
        add("an end, outcome %r" % (bad,), put(end(), p("outcome"), bad), hint="outcome")
    for kind, doc in (("note", note()), ("return", ret()), ("withdrawal", withdraw())):
        add("a %s with an outcome" % kind, put(doc, p("outcome"), "DESTROYED"), hint="outcome")
    for ok in ("OUTCOME_UNSPECIFIED", 0, None):
        add("a note with outcome %r" % (ok,), put(note(), p("outcome"), ok))
    for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
        add("an end handed over, handed_to %s" % what, put(end(), p("handed_to"), bad), hint="handed_to")
    add("an end handed over, handed_to of 120 accented letters", put(end(), p("handed_to"), text(120)))
    add("an end handed over, handed_to of 121 accented letters", put(end(), p("handed_to"), text(121)),
        hint="handed_to")
    for outcome in ("TO_FINDER", "DESTROYED"):
        add("an end %s naming whom it went to" % outcome, put(end(outcome), p("handed_to"), "Emmaüs"),
            hint="handed_to")
    add("a note naming whom it went to", put(note(), p("handed_to"), "Emmaüs"), hint="handed_to")
    add("an end to the finder, handed_to empty", put(end("TO_FINDER"), p("handed_to"), ""))

    # The note: required for a note and a withdrawal.
    for doc, kind in ((note, "note"), (withdraw, "withdrawal")):
        for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
            add("a %s, its note %s" % (kind, what), put(doc(), p("note"), bad), hint="note")
    add("lost_found_update.note of 4000 accented letters", put(note(), p("note"), text(4000)))
    add("lost_found_update.note of 4001 accented letters", put(note(), p("note"), text(4001)), hint="note")
    add("lost_found_update.note of 4000 letters outside the BMP", put(note(), p("note"), text(4000, "😀")))
    add("lost_found_update.note of 4001 letters outside the BMP", put(note(), p("note"), text(4001, "😀")),
        hint="note")

    # Shape.
    add("an unknown field in lost_found_update", put(note(), p("state"), "RETURNED"), hint="state")
    add("lost_found_update.note a number", put(note(), p("note"), 3), hint="note")
    add("lost_found_update an array", {"lost_found_update": []}, hint="lost_found_update")
    add("an update and a contact update together",
        {"lost_found_update": note()["lost_found_update"], "contact_update": {"entry_id": "A-1", "note": "x"}})


# ---- The decrees -----------------------------------------------------------------------------

# The decrees the repeals name, published first (`make decree_pool`, by the publisher): each corpus
# repeals its own slice, a decree being repealed once.
DECREE_POOL = {"decree": (0, 40), "example": (40, 44), "hub": (44, 56)}
DECREE_POOL_SIZE = 56
PDF_SHA256 = "1eZezIg6IiH3x5XGXPE9Ljgx4aK3ZCoCmfeilD5wJX4="  # 32 bytes
SIGNATORY = "Paul Lemoine, adjoint au maire délégué à la voirie"


def decree_pool(args, kind):
    with open(args["decrees"], encoding="utf-8") as f:
        numbers = [line.strip() for line in f if line.strip()]
    if len(numbers) < DECREE_POOL_SIZE:
        raise SystemExit("schema_corpus: %d decrees in %s; the corpora need %d" % (len(numbers), args["decrees"],
                                                                                    DECREE_POOL_SIZE))
    lo, hi = DECREE_POOL[kind]
    return numbers[lo:hi]


def base_decree(number, today):
    day = lambda n: (today + datetime.timedelta(days=n)).isoformat()
    return {"decree": {"number": number, "title": "Interdiction temporaire de stationnement, rue Houdan",
                       "nature": "REGULATORY", "duration": "TEMPORARY", "signed_date": day(0),
                       "effective_from": day(10), "effective_to": day(11),
                       "places": [{"street": "Rue Houdan", "from_number": 2, "to_number": 40, "side": "EVEN"}],
                       "text": "Le Maire de la Ville de Sceaux,\nARRÊTE\nArticle 1er : Le stationnement est interdit.",
                       "signatory": SIGNATORY}}


def permanent_decree(number, today):
    return {"decree": {"number": number, "title": "Lutte contre les bruits de voisinage", "nature": "REGULATORY",
                       "duration": "PERMANENT", "signed_date": today.isoformat(),
                       "effective_from": today.isoformat(), "town_wide": True,
                       "text": "Article 1er : Les travaux bruyants sont interdits le dimanche après-midi.",
                       "signatory": "Jeanne Martin, adjointe au maire déléguée à la tranquillité urbaine"}}


def individual_decree(number, today):
    doc = base_decree(number, today)
    d = doc["decree"]
    d.update({"title": "Pose d'une benne, 18 rue des Écoles", "nature": "INDIVIDUAL", "pdf_sha256": PDF_SHA256,
              "places": [{"street": "Rue des Écoles", "from_number": 18, "to_number": 18}],
              "request_entry": "A-31"})
    del d["text"]
    return doc


def make_decree_pool(c, args):
    today = utc_today()
    for i in range(DECREE_POOL_SIZE):
        doc = permanent_decree("POOL-%03d" % (i + 1), today)
        c.add("decree %d of the pool" % (i + 1), doc, name="decreepool-%03d.json" % (i + 1))
        if c.entries[-1]["expect"] != "ACK":
            raise SystemExit("schema_corpus: the schema refuses the pool's decree: %s" % c.entries[-1]["schema_error"])


def make_decrees(c, args):
    today = utc_today()
    take = Taker(decree_pool(args, "decree"), "decree")
    spare = take()  # named by the repeals of the documents the schema refuses
    placeholder, repealed = "2026-148", "2012-045"
    count = [0]

    def add(what, doc, **kw):
        """Each document the schema accepts is published under a number of its own, and repeals
        decrees of its own; the others are refused before the hub looks at the register."""
        body = doc.get("decree") if isinstance(doc, dict) else None
        valid = c.schema_verdict(doc)[0]
        if isinstance(body, dict):
            if body.get("number") == placeholder and valid:
                count[0] += 1
                body["number"] = "C-%04d" % count[0]
            if isinstance(body.get("repeals"), list):
                body["repeals"] = [(take() if valid else spare) if r == repealed else r for r in body["repeals"]]
        c.add(what, doc, **kw)

    base = lambda: base_decree(placeholder, today)
    permanent = lambda: permanent_decree(placeholder, today)
    individual = lambda: individual_decree(placeholder, today)
    p = lambda field: ["decree", field]
    day = lambda n: (today + datetime.timedelta(days=n)).isoformat()

    add("the base decree (regulatory, temporary, one place, its text)", base())
    add("a permanent decree of the whole town", permanent())
    add("an individual decree (its PDF's hash, the request's entry)", individual())
    add("the least decree (a PDF's hash, a street)",
        {"decree": {"number": placeholder, "title": "x", "nature": "REGULATORY", "duration": "PERMANENT",
                    "signed_date": day(0), "effective_from": day(0), "places": [{"street": "Rue Houdan"}],
                    "pdf_sha256": PDF_SHA256, "signatory": "y"}})
    add("a regulatory decree with its text and its PDF's hash", put(base(), p("pdf_sha256"), PDF_SHA256))

    # The number.
    for ok in ("2026.152/b_1-%d" % 1, "7", "N" * 27 + "-0001"):
        doc = put(base(), p("number"), ok)
        c.add("decree.number %r" % ok, doc)
    for bad in ("", "2026 148", "2026–148", "arrêté", "abc", "n°12", " 12", "12\n", "2026-148?", "N" * 28 + "-0002"):
        add("decree.number %r" % bad, put(base(), p("number"), bad), hint="number")
    for bad, what in ((DELETE, "missing"), (None, "null"), (148, "a number")):
        add("decree.number %s" % what, put(base(), p("number"), bad), hint="number")

    # Texts.
    for field, limit in (("title", 250), ("signatory", 120)):
        add("decree.%s empty" % field, put(base(), p(field), ""), hint=field)
        add("decree.%s of %d accented letters" % (field, limit), put(base(), p(field), text(limit)))
        add("decree.%s of %d accented letters" % (field, limit + 1), put(base(), p(field), text(limit + 1)), hint=field)
        add("decree.%s of %d letters outside the BMP" % (field, limit), put(base(), p(field), text(limit, "😀")))
        add("decree.%s of %d letters outside the BMP" % (field, limit + 1), put(base(), p(field), text(limit + 1, "😀")),
            hint=field)
        for bad, what in ((DELETE, "missing"), (None, "null")):
            add("decree.%s %s" % (field, what), put(base(), p(field), bad), hint=field)
    add("decree.text of 60000 accented letters", put(base(), p("text"), text(60000)))
    add("decree.text of 60001 accented letters", put(base(), p("text"), text(60001)), hint="text")
    add("decree.text over three lines", put(base(), p("text"), "Un.\nDeux.\r\nTrois\tfin."))

    # Enumerations.
    for field, names, doc in (("nature", ("REGULATORY", 1), base), ("nature", ("INDIVIDUAL", 2), individual),
                              ("duration", ("TEMPORARY", 2, 2.0), base), ("duration", ("PERMANENT", 1), permanent)):
        for ok in names:
            add("decree.%s %r" % (field, ok), put(doc(), p(field), ok))
    for field, bads in (("nature", ("regulatory", "NATURE_UNSPECIFIED", "REGLEMENTAIRE", "", 0, 3, True)),
                        ("duration", ("temporary", "DURATION_UNSPECIFIED", "", 0, 3, -1))):
        for bad in bads:
            add("decree.%s %r" % (field, bad), put(base(), p(field), bad), hint=field)
        for bad, what in ((DELETE, "missing"), (None, "null")):
            add("decree.%s %s" % (field, what), put(base(), p(field), bad), hint=field)

    # Dates.
    for field in ("signed_date", "effective_from", "effective_to"):
        for bad in BAD_DATES:
            add("decree.%s %r" % (field, bad), put(base(), p(field), bad), hint=field)
    for field in ("signed_date", "effective_from"):
        for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
            add("decree.%s %s" % (field, what), put(base(), p(field), bad), hint=field)
    for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
        add("a temporary decree, effective_to %s" % what, put(base(), p("effective_to"), bad), hint="effective_to")
    add("a permanent decree with an effective_to", put(permanent(), p("effective_to"), day(30)), hint="effective_to")
    for ok, what in (("", "empty"), (None, "null")):
        add("a permanent decree, effective_to %s" % what, put(permanent(), p("effective_to"), ok))
    add("a decree of one day (effective_to is effective_from)", put(base(), p("effective_to"), day(10)))
    add("a decree in force the day it is signed", put(base(), p("effective_from"), day(0)))

    # Where: the whole town, or the places.
    place = lambda **kw: dict({"street": "Rue Houdan"}, **kw)
    add("a town-wide decree, places empty", put(permanent(), p("places"), []))
    add("a town-wide decree, places null", put(permanent(), p("places"), None))
    add("a town-wide decree with places", put(permanent(), p("places"), [place()]), hint="places")
    add("town_wide false, with places", put(base(), p("town_wide"), False))
    add("town_wide null, with places", put(base(), p("town_wide"), None))
    for bad, what in ((DELETE, "missing"), ([], "empty"), (None, "null")):
        add("decree.places %s, not town-wide" % what, put(base(), p("places"), bad), hint="places")
        add("decree.places %s, town_wide false" % what, put(put(base(), p("places"), bad), p("town_wide"), False),
            hint="places")
    streets = [place(street="Allée %02d" % i) for i in range(33)]
    add("decree.places, 32 streets", put(base(), p("places"), streets[:32]))
    add("decree.places, 33 streets", put(base(), p("places"), streets), hint="places")
    add("decree.town_wide \"true\"", put(permanent(), p("town_wide"), "true"), hint="town_wide")
    add("decree.places an object", put(base(), p("places"), place()), hint="places")
    # A place.
    for ok, what in ((place(), "the whole street"), (place(from_number=100), "from 100 on"),
                     (place(to_number=40), "to 40"), (place(from_number=99999, to_number=99999), "number 99999"),
                     (place(from_number=None, to_number=None, side=None), "nulls"),
                     (place(from_number=2.0, to_number=40.0), "integral reals"),
                     (place(street=text(120)), "a street of 120 accented letters"),
                     (place(street=text(120, "😀")), "a street of 120 letters outside the BMP")):
        add("decree.places.1 %s" % what, put(base(), p("places"), [ok]))
    for side in ("BOTH", "EVEN", "ODD", 0, 1, 2):
        add("decree.places.1.side %r" % (side,), put(base(), p("places"), [place(side=side)]))
    for bad in ("even", "PAIR", "SIDE_UNSPECIFIED", "", 3, -1, True):
        add("decree.places.1.side %r" % (bad,), put(base(), p("places"), [place(side=bad)]), hint="side")
    for field in ("from_number", "to_number"):
        for bad in (-1, 2.5, "2", True, 4294967296):
            add("decree.places.1.%s %r" % (field, bad), put(base(), p("places"), [place(**{field: bad})]),
                hint=field)
        add("decree.places.1.%s 100000" % field, put(base(), p("places"), [place(**{field: 100000})]),
            hint="places.1")
    for bad, what in (("", "empty"), (None, "null"), (text(121), "of 121 accented letters"),
                      (text(121, "😀"), "of 121 letters outside the BMP")):
        add("decree.places.1.street %s" % what, put(base(), p("places"), [place(street=bad)]), hint="street")
    add("decree.places.1 without its street", put(base(), p("places"), [{"from_number": 2}]), hint="street")
    add("an unknown field in a place", put(base(), p("places"), [place(numbers="2-40")]), hint="numbers")
    add("decree.places.1 null", put(base(), p("places"), [None]), hint="places")
    add("two places of one street, one side each", put(base(), p("places"), [place(side="EVEN"), place(side="ODD")]))
    add("two places of one street, ranges apart",
        put(base(), p("places"), [place(from_number=1, to_number=9), place(from_number=10, to_number=0)]))

    # Its text or its PDF's hash; an individual decree names a person: no text.
    for bad, what in ((DELETE, "missing"), ("", "empty"), (None, "null")):
        add("a regulatory decree, no text and pdf_sha256 %s" % what,
            put(base(), p("text"), DELETE) if bad is DELETE else put(put(base(), p("text"), DELETE), p("pdf_sha256"), bad),
            hint="pdf_sha256")
        add("an individual decree, pdf_sha256 %s" % what, put(individual(), p("pdf_sha256"), bad), hint="pdf_sha256")
        if bad is not DELETE:
            add("an individual decree, text %s" % what, put(individual(), p("text"), bad))
    add("an individual decree with a text", put(individual(), p("text"), "Article 1er : M. X est autorisé…"),
        hint="text")
    b64 = lambda n: base64.b64encode(bytes(range(1, n + 1))).decode()
    for bad, what in ((b64(31), "31 bytes"), (b64(33), "33 bytes"), (b64(48), "48 bytes"),
                      (PDF_SHA256[:-1], "without its padding"), (PDF_SHA256[:-2] + "5=", "non-zero padding bits"),
                      (PDF_SHA256.replace("+", "-").replace("/", "_")[:-4] + "-_8=", "the URL-safe alphabet"),
                      (PDF_SHA256 + "\n", "a final line break"), ("d5e65ecc" * 8, "64 hex digits"),
                      (" " + PDF_SHA256[1:], "a space"), (12, "a number")):
        add("decree.pdf_sha256 of %s" % what, put(individual(), p("pdf_sha256"), bad), hint="pdf_sha256")
    add("decree.pdf_sha256 of 32 zero bytes", put(individual(), p("pdf_sha256"), base64.b64encode(bytes(32)).decode()))
    add("decree.pdf_sha256 of 32 bytes 0xff", put(individual(), p("pdf_sha256"),
                                                 base64.b64encode(b"\xff" * 32).decode()))

    # Repeals.
    for n in (1, 3, 16):
        add("decree.repeals, %d decree%s" % (n, "s" if n > 1 else ""), put(permanent(), p("repeals"), [repealed] * n))
    for ok, what in (([], "empty"), (None, "null")):
        add("decree.repeals %s" % what, put(permanent(), p("repeals"), ok))
    add("decree.repeals, 17 decrees", put(permanent(), p("repeals"), [spare] * 17), hint="repeals")
    add("decree.repeals, one decree twice", put(permanent(), p("repeals"), [spare, spare]), hint="repeals")
    for bad in ("", "abc", "2026 148", "N" * 33, 2012, None):
        add("decree.repeals [%r]" % (bad,), put(permanent(), p("repeals"), [bad]), hint="repeals")
    add("decree.repeals a string", put(permanent(), p("repeals"), spare), hint="repeals")

    # The request's entry: an individual decree's only.
    for ok, what in (("", "empty"), (None, "null"), (DELETE, "absent"), ("A-1" + "0" * 19, "of 20 digits")):
        add("an individual decree, request_entry %s" % what, put(individual(), p("request_entry"), ok))
    for bad in ("a-31", "A-031", "A-", "A-0", "T-31", "P-31", " A-31", "A-31\n", "A-1" + "0" * 20):
        add("decree.request_entry %r" % bad, put(individual(), p("request_entry"), bad), hint="request_entry")
    add("a regulatory decree answering a request", put(base(), p("request_entry"), "A-31"), hint="request_entry")
    for ok, what in (("", "empty"), (None, "null")):
        add("a regulatory decree, request_entry %s" % what, put(base(), p("request_entry"), ok))

    # Shape.
    add("an unknown field in decree", put(base(), p("published"), True), hint="published")
    add("decree an array", {"decree": []}, hint="decree")
    add("a decree and an item together",
        {"decree": base()["decree"], "lost_found": base_found(now_ms(), today)["lost_found"]})
    add("a header beside the decree", put(base(), ["header"], {"sender": "mairie-actes"}))



# ---- The hub's own rules ---------------------------------------------------------------------

def lost_decree_hub_cases(args, review_days, now, today, day):
    """The lost and found's and the decrees' rules no schema can state: the windows of an item's
    times and of its keeping (--review-days), of a decree's signature (a century back); the comparisons between the
    fields of one message; and, against the pools, the states of the items and the register of
    decrees (round 0 closes and repeals what rounds 1 and 2 find closed and repealed). Each tuple
    may name its files' prefix: `misitem` goes to the coordinator, `misdecree` to the desk, refused
    FORBIDDEN both."""
    rnd = int(args.get("round", "0"))
    keep = day(min(30, review_days))
    over, sought = lost_pool(args, "over", "hub"), lost_pool(args, "sought", "hub")
    kept, unclaimed = lost_pool(args, "kept", "hub"), lost_pool(args, "unclaimed", "hub")
    repealable = decree_pool(args, "hub")
    number = [0]

    def found(when=None, keep_until=None):
        doc = base_found(now, today)
        if when is not None:
            doc["lost_found"]["when_ms"] = when
        doc["lost_found"]["keep_until"] = keep_until or keep
        return doc

    def lost(when=None, until=None):
        doc = base_lost(now)
        if when is not None:
            doc["lost_found"]["when_ms"] = when
        if until is not None:
            doc["lost_found"]["until_ms"] = until
        return doc

    def decree(signed=None, **fields):
        number[0] += 1
        doc = permanent_decree("H%d-%02d" % (rnd, number[0]), today)
        if signed is not None:
            doc["decree"]["signed_date"] = doc["decree"]["effective_from"] = signed
        doc["decree"].update(fields)
        return doc

    def update(item, kind, **fields):
        return {"lost_found_update": dict({"item_id": item, "kind": kind}, **fields)}

    def utc_day(ms):
        return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).date()

    three_days_ago = now - 3 * DAY_MS
    cases = [
        ("an item found 4 minutes ahead (within the clock skew)", found(now + 240 * 1000), True, ""),
        ("an item found 6 minutes ahead", found(now + 360 * 1000), False, "is in the future"),
        ("an item found, its time in seconds", found(now // 1000), False, "(not seconds)"),
        ("an item found %d days ago" % (review_days - 1), found(now - (review_days - 1) * DAY_MS), True, ""),
        ("an item found %d days ago" % (review_days + 1), found(now - (review_days + 1) * DAY_MS), False,
         "is more than %d days ago" % review_days),
        ("a loss whose window ends 6 minutes ahead", lost(until=now + 360 * 1000), False, "is in the future"),
        ("a loss %d days ago" % (review_days + 1), lost(now - (review_days + 1) * DAY_MS, 0), False,
         "is more than %d days ago" % review_days),
        ("an item kept until %d days ahead" % review_days, found(keep_until=day(review_days)), True, ""),
        ("an item kept until %d days ahead" % (review_days + 1), found(keep_until=day(review_days + 1)), False,
         "is more than %d days ahead" % review_days),
        ("an item kept until the day before it was found",
         found(three_days_ago, (utc_day(three_days_ago) - datetime.timedelta(days=1)).isoformat()), False,
         "is before the item was found"),
        ("an item kept until the day it was found (UTC)", found(three_days_ago, utc_day(three_days_ago).isoformat()),
         True, ""),
        ("a decree signed tomorrow (a clock in another time zone)", decree(day(1)), True, ""),
        ("a decree signed the day after tomorrow", decree(day(2)), False, "is after tomorrow"),
        # A town entering its register keeps permanent decrees signed decades ago: a century back.
        ("a decree signed %d days ago (older than the review window)" % (review_days + 1),
         decree(day(-review_days - 1)), True, ""),
        ("a decree signed 36525 days ago", decree(day(-36525)), True, ""),
        ("a decree signed 36526 days ago", decree(day(-36526)), False, "is more than 36525 days ago"),
        ("a note on an item that does not exist", update("O-99999999", "NOTE", note="x"), None,
         "O-99999999 is not in the lost and found"),
        ("an item of the lost and found sent by the coordinator", found(), "FORBIDDEN",
         "only the reception desk keeps the lost and found", "misitem"),
        ("a decree sent by the reception desk", decree(), "FORBIDDEN", "only the mayor's office", "misdecree"),
    ]
    if rnd == 0:
        # Rules of content between fields, which no schema can state.
        cases += [
            ("a loss whose window ends before it begins", lost(now - 2 * 3600 * 1000, now - 3 * 3600 * 1000), False,
             "before when_ms"),
            ("a decree taking effect the day before it was signed", decree(day(0), effective_from=day(-1)), False,
             "is before the decree was signed"),
            ("a temporary decree ending the day before it begins",
             decree(day(0), duration="TEMPORARY", effective_from=day(5), effective_to=day(4)), False,
             "is before effective_from"),
            ("a place from 40 to 2", decree(town_wide=None, places=[{"street": "Rue Houdan", "from_number": 40,
                                                                     "to_number": 2}]), False,
             "is before from_number"),
            ("two places of one street sharing house numbers (the street's case aside)",
             decree(town_wide=None, places=[{"street": "Rue Houdan", "from_number": 2, "to_number": 40, "side": "EVEN"},
                                            {"street": "rue houdan", "from_number": 10, "to_number": 20}]), False,
             "overlaps decree.places.1"),
            ("two places of one street, the whole of it and a part", decree(town_wide=None, places=[
                {"street": "Rue Houdan"}, {"street": "Rue Houdan", "from_number": 100, "side": "ODD"}]), False,
             "overlaps"),
        ]
        own = decree()
        own["decree"]["repeals"] = [own["decree"]["number"]]
        cases += [
            ("a decree repealing itself", own, False, "cannot repeal itself"),
            ("a decree under the number of one published already", permanent_decree(repealable[0], today), None,
             "is the number of a decree published already"),
            ("a decree repealing one that is not published", decree(repeals=["NOPE-1"]), None,
             "no decree NOPE-1 is published"),
            ("a decree repealing %s" % repealable[1], decree(repeals=[repealable[1]]), True, ""),
            # The lost and found's states.
            ("a return of %s closing %s" % (over[0], sought[0]),
             update(over[0], "RETURN", owner="Mme Roussel", identity_checked="passeport …0817",
                    declaration_id=sought[0]), True, ""),
            ("an end before the keeping is over, handed over",
             update(kept[0], "END", outcome="HANDED_OVER", handed_to="Emmaüs"), None,
             "is kept for its owner until"),
            ("an end before the keeping is over, destroyed without a note", update(kept[0], "END", outcome="DESTROYED"),
             None, "destroying it before then needs a note"),
            ("an end before the keeping is over, destroyed with a note",
             update(kept[1], "END", outcome="DESTROYED", note="Sac de provisions : denrées périssables."), True, ""),
            ("an end to a finder who did not claim the item", update(unclaimed[0], "END", outcome="TO_FINDER"), None,
             "its finder did not ask for it"),
            ("a declaration's number as a found item's (O-%s)" % sought[1][2:],
             update("O-" + sought[1][2:], "NOTE", note="x"), None, "is not in the lost and found"),
        ]
    elif rnd == 1:
        cases += [
            ("a decree repealing %s, repealed already" % repealable[1], decree(repeals=[repealable[1]]), None,
             "was repealed already by"),
            ("an end of %s, returned" % over[0], update(over[0], "END", outcome="DESTROYED"), None,
             "%s is returned already" % over[0]),
            ("a return naming %s, recovered" % sought[0],
             update(over[1], "RETURN", owner="Mme Roussel", identity_checked="passeport …0817",
                    declaration_id=sought[0]), None, "%s is recovered already" % sought[0]),
            ("a withdrawal of %s, recovered" % sought[0], update(sought[0], "WITHDRAW", note="x"), None,
             "%s is recovered already" % sought[0]),
            ("a return of %s, ended" % kept[1],
             update(kept[1], "RETURN", owner="Mme Roussel", identity_checked="passeport …0817"), None,
             "%s is ended already" % kept[1]),
            ("a note on %s, returned" % over[0], update(over[0], "NOTE", note="La propriétaire a remercié le finder."),
             True, ""),
        ]
    else:
        cases += [
            ("a withdrawal of %s" % sought[1], update(sought[1], "WITHDRAW", note="Retrouvé chez elle."), True, ""),
            ("a note on %s, withdrawn" % sought[1], update(sought[1], "NOTE", note="x"), True, ""),
        ]
    return cases


def make_hub(c, args):
    """The rules no schema can state, at their boundaries, under the relaisd options in force.
    The schema accepts every document here; the hub's answer is the rule's."""
    case = args["case"]
    lo, hi = (int(x) for x in args.get("ages", "0-18").split("-"))
    consent_days = int(args.get("consent_days", "730"))
    review_days = int(args.get("review_days", "730"))
    now = now_ms()
    today = utc_today()
    count = [5000 + 100 * int(args.get("round", "0"))]

    middle = latest_birth((lo + hi) // 2, today).isoformat()  # a child of the programme's ages

    def referral(path, value):
        count[0] += 1
        doc = put(base_referral(count[0], now - DAY_MS), ["referral", "child", "birth_date"], middle)
        return put(doc, path, value)

    def parental(value):
        doc = referral(["referral", "consent"], DELETE)
        doc["referral"]["parental_request"] = {"requester_name": "Samira Benali", "received_ms": value}
        return doc

    def expect(ok, hint):
        return ("ACK", "") if ok else ("MALFORMED", hint)

    birth = ["referral", "child", "birth_date"]
    oldest = earliest_birth(hi, today)
    youngest = latest_birth(lo, today)
    cases = [
        ("the oldest child (%d, %s)" % (hi, oldest), referral(birth, oldest.isoformat()), True, ""),
        ("a child a day too old (%d)" % (hi + 1), referral(birth, (oldest - datetime.timedelta(days=1)).isoformat()),
         False, "makes the child %d; expected a child of %d to %d years" % (hi + 1, lo, hi)),
        ("the youngest child (%d, %s)" % (lo, youngest), referral(birth, youngest.isoformat()), True, ""),
    ]
    if lo > 0:
        cases.append(("a child a day too young (%d)" % (lo - 1),
                      referral(birth, (youngest + datetime.timedelta(days=1)).isoformat()), False,
                      "makes the child %d; expected a child of %d to %d years" % (lo - 1, lo, hi)))
    else:
        cases.append(("a child born tomorrow", referral(birth, (today + datetime.timedelta(days=1)).isoformat()),
                      False, "is in the future"))
    consent = ["referral", "consent", "recorded_ms"]
    cases += [
        ("a consent 4 minutes ahead (within the clock skew)", referral(consent, now + 240 * 1000), True, ""),
        ("a consent 6 minutes ahead", referral(consent, now + 360 * 1000), False, "is in the future"),
        ("a consent time in seconds", referral(consent, now // 1000), False, "(not seconds)"),
        ("a parental request an hour ahead", parental(now + 3600 * 1000), False, "is in the future"),
    ]
    if consent_days:
        cases += [
            ("a consent %d days old" % (consent_days - 1), referral(consent, now - (consent_days - 1) * DAY_MS),
             True, ""),
            ("a consent %d days old" % (consent_days + 1), referral(consent, now - (consent_days + 1) * DAY_MS),
             False, "is more than %d days ago" % consent_days),
            ("a parental request %d days old" % (consent_days + 1), parental(now - (consent_days + 1) * DAY_MS),
             False, "is more than %d days ago" % consent_days),
        ]
    else:
        cases += [
            ("a consent of 2000-01-01 00:00 UTC (no window)", referral(consent, 946684800000), True, ""),
            ("a consent a millisecond before 2000", referral(consent, 946684799999), False, "(not seconds)"),
        ]

    def update(path, value):
        return put({"case_update": {"case_id": case, "from_state": "TRIAGE", "to_state": "TRIAGE",
                                    "pathway": [{"kind": "COLLECTIVE", "description": "Atelier lecture"}]}},
                   path, value)

    def day(n):
        return (today + datetime.timedelta(days=n)).isoformat()

    def meeting(held, extra=None):
        count[0] += 1
        doc = {"meeting": {"meeting_id": "M-%s-h%d" % (held.replace("-", ""), count[0]), "date": held,
                           "present": [{"organisation": "CMP de Sceaux"}], "case_id": case, "decision": "x"}}
        doc["meeting"].update(extra or {})
        return doc

    review = ["case_update", "next_review_date"]
    start = ["case_update", "pathway", 0, "start_date"]
    cases += [
        ("a review date yesterday (a clock in another time zone)", update(review, day(-1)), True, ""),
        ("a review date two days ago", update(review, day(-2)), False, "is in the past"),
        ("a review date %d days ahead" % review_days, update(review, day(review_days)), True, ""),
        ("a review date %d days ahead" % (review_days + 1), update(review, day(review_days + 1)), False,
         "is more than %d days ahead" % review_days),
        ("an action starting %d days ago" % review_days, update(start, day(-review_days)), True, ""),
        ("an action starting %d days ago" % (review_days + 1), update(start, day(-review_days - 1)), False,
         "is more than %d days ago" % review_days),
        ("an action starting %d days ahead" % review_days, update(start, day(review_days)), True, ""),
        ("an action starting %d days ahead" % (review_days + 1), update(start, day(review_days + 1)), False,
         "is more than %d days ahead" % review_days),
        ("a meeting held tomorrow (a clock in another time zone)", meeting(day(1)), True, ""),
        ("a meeting held the day after tomorrow", meeting(day(2)), False, "is in the future"),
        ("a meeting held %d days ago" % review_days, meeting(day(-review_days)), True, ""),
        ("a meeting held %d days ago" % (review_days + 1), meeting(day(-review_days - 1)), False,
         "is more than %d days ago" % review_days),
        ("a meeting's next review yesterday", meeting(day(0), {"next_review_date": day(-1)}), True, ""),
        ("a meeting's next review two days ago", meeting(day(0), {"next_review_date": day(-2)}), False,
         "is in the past"),
        ("a meeting's next review %d days ahead" % (review_days + 1),
         meeting(day(0), {"next_review_date": day(review_days + 1)}), False, "is more than %d days ahead" % review_days),
    ]
    if args.get("round", "0") == "0":
        # Not a date rule: text with a control character, which the schemas let through
        # (docs/cases.md: text is also checked for control characters), refused before it is sent.
        cases.append(("a family name with a BEL character",
                      referral(["referral", "child", "family_name"], "Benali\u0007"), False, "control"))
        # The case must exist: a schema-valid update of a case that does not is the state machine's.
        cases.append(("an update of a case that does not exist", update(["case_update", "case_id"], "C-99999999"),
                      None, "there is no case C-99999999"))
        cases.append(("a meeting's record of a case that does not exist",
                      meeting(day(0), {"case_id": "C-99999999"}), None, "there is no case C-99999999"))
        # A meeting's id holds its date: which date, no schema can compare.
        cases.append(("a meeting id of another date than the meeting's",
                      meeting(day(0), {"meeting_id": "M-%s-other" % day(-1).replace("-", "")}), False,
                      "is not of the meeting's date"))
        # The owner must be a coordinator or a partner of the registry: a name of none, and the
        # hub's own identity (role broker), are refused; schema.sh's college is one.
        owner = ["case_update", "owner"]
        cases += [
            ("an owner of 63 letters naming no identity", update(owner, "a" * 63), False, "owner"),
            ("an owner that is the hub's identity (%s)" % args.get("hub", "relaisd"),
             update(owner, args.get("hub", "relaisd")), False, "role broker"),
            ("an owner that is a partner (%s)" % args.get("partner", "college-curie"),
             update(owner, args.get("partner", "college-curie")), True, ""),
        ]
    cases += reception_hub_cases(args, review_days, now, today, day)
    if args.get("items") and args.get("decrees"):
        cases += lost_decree_hub_cases(args, review_days, now, today, day)
    for case in cases:
        what, doc, ok, hint = case[:4]
        code, hint = ("BAD_TRANSITION", hint) if ok is None else (ok, hint) if isinstance(ok, str) else expect(ok, hint)
        if not c.schema_verdict(doc)[0]:
            raise SystemExit("schema_corpus: the schema refuses a document of the hub's own rules: %s" % what)
        # A prefix of its own sends the file to another sender than its kind's (a refused role).
        name = "%s-%03d.json" % (case[4], len(c.entries) + 1) if len(case) > 4 else None
        c.add(what, doc, expect=code, hint=hint, name=name)


# ---- The comparison --------------------------------------------------------------------------

def check(manifest, outputs):
    answers = {}
    for path in outputs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line:
                    answer = json.loads(line)
                    answers[answer.get("file")] = answer
    bad = agreed = known = 0
    with open(manifest, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    if not entries:
        print("the manifest %s lists no document" % manifest)
        return 1
    for e in entries:
        answer = answers.get(e["file"])
        if answer is None:
            print("NO ANSWER: %s (%s)" % (e["what"], e["file"]))
            bad += 1
            continue
        got = "ACK" if "seq" in answer else answer.get("error", "?")
        message = answer.get("message", "")
        schema = "accepts" if e["schema"] else "refuses (%s)" % e["schema_error"]
        if got != e["expect"]:
            label = "KNOWN DISAGREEMENT CHANGED" if e["known"] else "DISAGREEMENT"
            print("%s: %s\n  file:   %s\n  schema: %s, so relais should answer %s\n  relais: %s %s" % (
                label, e["what"], e["file"], schema, e["expect"], got, message))
            bad += 1
        elif e["hint"] and e["hint"] not in message:
            print("WRONG REASON: %s\n  file:   %s\n  relais: %s %s\n  expected the refusal to name: %s" % (
                e["what"], e["file"], got, message, e["hint"]))
            bad += 1
        elif e["known"]:
            known += 1
            print("known: %s: schema %s, relais %s -- %s" % (e["what"], schema, got, e["known"]))
        else:
            agreed += 1
    print("%d documents: %d as expected, %d known disagreements, %d wrong" % (len(entries), agreed, known, bad))
    return 1 if bad else 0


def handles(manifest, outputs):
    """Prints the handle relais acknowledged each document of the manifest with (its case_id: A-N,
    T-N, R-N), one a line, in the manifest's order; exit 1 when one was not acknowledged."""
    answers = {}
    for path in outputs:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    answer = json.loads(line)
                    answers[answer.get("file")] = answer
    with open(manifest, encoding="utf-8") as f:
        entries = [json.loads(line) for line in f if line.strip()]
    for e in entries:
        answer = answers.get(e["file"], {})
        if not answer.get("case_id"):
            print("schema_corpus: %s was not acknowledged with a handle: %s" % (e["file"], answer), file=sys.stderr)
            return 1
        print(answer["case_id"])
    return 0


class AnyPayload:
    """Judges each document by the schema of its payload (its first key that names one)."""

    def __init__(self, schema_dir):
        self.validators = {k: load_validator(schema_dir, v) for k, v in SCHEMAS.items()}

    def iter_errors(self, doc):
        kind = next((k for k in doc if k in SCHEMAS), "referral") if isinstance(doc, dict) else "referral"
        return self.validators[kind].iter_errors(doc)


# The register's corpora: their maker and their files' prefix.
RECEPTION_KINDS = {"entries": (make_entries, "entry"), "contact": (make_contacts, "contact"),
                   "contact_update": (make_contact_updates, "followup"), "transfer": (make_transfers, "transfer"),
                   "answer_targets": (make_answer_targets, "target"),
                   "transfer_answer": (make_transfer_answers, "answer"), "examples": (make_examples, None),
                   "lost_pool": (make_lost_pool, "lostpool"), "lost_found": (make_lost_items, "item"),
                   "lost_found_update": (make_lost_updates, "itemupdate"),
                   "decree_pool": (make_decree_pool, "decreepool"), "decree": (make_decrees, "decree")}


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        return check(argv[2], argv[3:])
    if len(argv) >= 3 and argv[1] == "handles":
        return handles(argv[2], argv[3:])
    if len(argv) < 5 or argv[1] != "make" or argv[2] not in ("referral", "case_update", "meeting", "hub") + tuple(
            RECEPTION_KINDS):
        print(__doc__, file=sys.stderr)
        return 2
    kind, schema_dir, out_dir = argv[2], argv[3], argv[4]
    args = dict(a.split("=", 1) for a in argv[5:])
    os.makedirs(out_dir, exist_ok=True)
    if kind in RECEPTION_KINDS:
        maker, prefix = RECEPTION_KINDS[kind]
        c = Corpus(AnyPayload(schema_dir), out_dir, prefix)
        maker(c, args)
    elif kind == "referral":
        c = Corpus(load_validator(schema_dir, "referral.schema.json"), out_dir, "referral")
        make_referrals(c, args)
    elif kind == "case_update":
        c = Corpus(load_validator(schema_dir, "case_update.schema.json"), out_dir, "update")
        make_case_updates(c, args)
    elif kind == "meeting":
        c = Corpus(load_validator(schema_dir, "meeting.schema.json"), out_dir, "meeting")
        make_meetings(c, args)
    else:
        # Each document is judged by the schema of its own kind.
        c = Corpus(AnyPayload(schema_dir), out_dir, None)  # files named by their kind: each goes to its sender
        make_hub(c, args)
    c.write_manifest()
    print("%s: %d documents" % (kind, len(c.entries)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
