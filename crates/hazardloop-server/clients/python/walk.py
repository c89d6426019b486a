#!/usr/bin/env python3
"""Drive one hazard through the whole loop over the hazardloop HTTP API.

排查 → 登记 → 报告 → 治理 → 验收 → 销号 → 备案存档: discover, register, report,
start_treatment, complete, pass, close, archive, each with the token of the person who may
take that step. Standard library only.

Usage:
    walk.py BASE_URL TOKENS [--now RFC3339] [--unit UNIT] [--assignee PERSON]

TOKENS is a JSON file (or, when it starts with `{`, the JSON itself) mapping each step to a
bearer token: {"discover": "hl_…", "register": "hl_…", …}. Deadlines are computed from
--now (the service's clock; default: this machine's clock). Exits 0 when the hazard is
archived, 1 on any failure; the last line printed is `hazard <id> archived`.
"""

import argparse
import json
import sys
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

STEPS = [
    "discover",
    "register",
    "report",
    "start_treatment",
    "complete",
    "pass",
    "close",
    "archive",
]


class Failure(Exception):
    pass


def rfc3339(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def evidence(n):
    return {
        "uri": "https://files.example.edu.cn/hazard/photo-%d.jpg" % n,
        "sha256": ("%02x" % n) * 32,
        "media_type": "image/jpeg",
    }


def bodies(now, unit, assignee):
    """The request body of each step (the command's members, without its `command` tag)."""
    return {
        "discover": {
            "unit": unit,
            "location": "教学楼二楼东侧楼梯",
            "category": "buildings_construction",
            "title": "楼梯扶手松动",
            "description": "二楼东侧楼梯扶手两处固定螺栓松动，学生上下楼有坠落风险",
            "source": "daily_patrol",
            "discovered_at": None,
            "evidence": [evidence(1)],
        },
        "register": {
            "grade": "general",
            "assessment": {"method": "lec", "l": 3.0, "e": 6.0, "c": 3.0},
            "category": "buildings_construction",
            "responsible_unit": None,
            "assignee": assignee,
            "deadline": None,
            "fixable_at_once": True,
        },
        "report": {"to_bureau": False, "written": False, "reference": None},
        "start_treatment": {
            "plan": {
                "kind": "general",
                "responsible": assignee,
                "measures": "更换固定螺栓并加装扶手托架",
                "deadline": rfc3339(now + timedelta(hours=30)),
                "contingency": "整改期间设置警示标志，安排专人值守",
            },
            "interim": None,
        },
        "complete": {"summary": "已更换螺栓并加装托架", "evidence": [evidence(2)]},
        "pass": {"note": "复查合格"},
        "close": {"note": ""},
        "archive": {},
    }


def call(method, url, token, body=None):
    """One request; the status and the decoded JSON answer (problems included)."""
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Authorization", "Bearer " + token)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise Failure("%s %s: %s" % (method, url, error))
    try:
        answer = json.loads(raw.decode("utf-8")) if raw else {}
    except ValueError:
        raise Failure("%s %s: %d with a body that is not JSON: %r" % (method, url, status, raw[:200]))
    return status, answer


def problem_text(answer):
    if not isinstance(answer, dict):
        return str(answer)
    parts = [answer.get("detail"), answer.get("detail_en")]
    if answer.get("rule"):
        parts.append("rule " + answer["rule"])
    if answer.get("field"):
        parts.append("field " + answer["field"])
    return " | ".join(p for p in parts if p) or json.dumps(answer, ensure_ascii=False)


def load_tokens(source):
    text = source if source.lstrip().startswith("{") else open(source, encoding="utf-8").read()
    tokens = json.loads(text)
    missing = [s for s in STEPS if not tokens.get(s)]
    if missing:
        raise Failure("no token for: " + ", ".join(missing))
    return tokens


def walk(base, tokens, now, unit, assignee):
    base = base.rstrip("/")
    body = bodies(now, unit, assignee)
    hazard = None
    version = 0
    for number, step in enumerate(STEPS, 1):
        if step == "discover":
            url, expected = base + "/v1/hazards", 201
        else:
            url, expected = "%s/v1/hazards/%s/%s" % (base, hazard, step), 200
        status, answer = call("POST", url, tokens[step], body[step])
        if status != expected:
            raise Failure("step %d %s: HTTP %d: %s" % (number, step, status, problem_text(answer)))
        hazard = answer.get("id") or hazard
        if not hazard:
            raise Failure("step %d %s: the answer names no hazard: %r" % (number, step, answer))
        if answer.get("version", 0) <= version:
            raise Failure("step %d %s: the version did not move (%r)" % (number, step, answer.get("version")))
        version = answer["version"]
        print("%d/%d %-16s -> %s (%s), version %d" % (
            number, len(STEPS), step, answer.get("stage"), answer.get("stage_name"), version))
        sys.stdout.flush()
    status, shown = call("GET", "%s/v1/hazards/%s" % (base, hazard), tokens["archive"])
    if status != 200:
        raise Failure("reading the hazard back: HTTP %d: %s" % (status, problem_text(shown)))
    if shown.get("stage") != "archived":
        raise Failure("the hazard ended %r, not archived" % shown.get("stage"))
    print("timeline: %d events" % len(shown.get("timeline", [])))
    return hazard


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="the service, e.g. http://127.0.0.1:8080")
    parser.add_argument("tokens", help="a JSON file (or JSON text) mapping each step to a token")
    parser.add_argument("--now", help="the service's time (RFC 3339); deadlines are set from it")
    parser.add_argument("--unit", default="school/logistics", help="the unit the hazard is in")
    parser.add_argument("--assignee", default="school-worker", help="who treats the hazard")
    args = parser.parse_args(argv)
    try:
        now = parse_time(args.now) if args.now else datetime.now(timezone.utc)
        hazard = walk(args.base, load_tokens(args.tokens), now, args.unit, args.assignee)
    except (Failure, OSError, ValueError) as error:
        print("walk failed: %s" % error, file=sys.stderr)
        return 1
    print("hazard %s archived" % hazard)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
