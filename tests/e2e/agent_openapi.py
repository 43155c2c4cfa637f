"""agent_openapi.py -- the running agent against agent/openapi.json: every answer it gives on the
documented paths has a documented status, and its JSON body validates against that status's schema;
the methods and paths it does not document are refused (405, 404) as documented.

usage: agent_openapi.py OPENAPI.json BASE_URL TOKEN ACKNOWLEDGED_MSG_ID
"""
import json
import sys
import urllib.error
import urllib.request

import jsonschema

spec_path, base, token, acked = sys.argv[1:5]
spec = json.load(open(spec_path))
components = spec["components"]
checked = []


def resolve(obj):
    """A response or schema object with its top-level $ref followed."""
    while "$ref" in obj:
        node = spec
        for part in obj["$ref"].lstrip("#/").split("/"):
            node = node[part]
        obj = node
    return obj


def call(method, path, body=None, auth=True):
    req = urllib.request.Request(base + path, data=body, method=method)
    if auth:
        req.add_header("Authorization", "Bearer " + token)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def check(method, template, path, body=None, auth=True, want=None):
    status, headers, data = call(method, path, body, auth)
    if want is not None:
        assert status == want, (method, path, status, data)
    op = spec["paths"][template][method.lower()]
    responses = op["responses"]
    assert str(status) in responses, "%s %s answered %d, not documented" % (method, path, status)
    response = resolve(responses[str(status)])
    schema = response["content"]["application/json"]["schema"]
    assert headers.get("Content-Type", "").startswith("application/json"), headers
    value = json.loads(data)
    # the schema resolved against the whole description, so that its $refs hold
    jsonschema.validate(value, {"$ref": "#/x", "x": schema, "components": components})
    for name in response.get("headers", {}):
        assert name in headers, "%s %s: no %s header" % (method, path, name)
    checked.append((method, template, status))
    return value


# every documented path and method, with each answer the test can provoke
good = open(sys.argv[0].replace("agent_openapi.py", "../../examples/referral-college-marie-curie.json"), "rb").read()
queued = check("POST", "/referrals", "/referrals", good, want=202)
check("POST", "/referrals", "/referrals", b'{"referral": {"child": 3}}', want=400)
check("POST", "/referrals", "/referrals", b"{", want=400)
check("POST", "/referrals", "/referrals", b" " * (16 * 65536 + 1), want=413)
check("POST", "/referrals", "/referrals", good, auth=False, want=401)
check("GET", "/messages/{msg_id}", "/messages/" + queued["msg_id"], want=200)
done = check("GET", "/messages/{msg_id}", "/messages/" + acked, want=200)
assert done["status"] == "acknowledged", done
check("GET", "/messages/{msg_id}", "/messages/" + "0" * 32, want=404)
check("GET", "/messages/{msg_id}", "/messages/" + acked, auth=False, want=401)
status = check("GET", "/status", "/status", want=200)
assert status["hub"] in ("reachable", "unreachable"), status
check("GET", "/status", "/status", auth=False, want=401)

# methods the description does not give a path are refused with 405, and it documents 405 for each
for path, template, method in [("/referrals", "/referrals", "GET"), ("/status", "/status", "POST"),
                               ("/messages/" + acked, "/messages/{msg_id}", "DELETE")]:
    status_code, headers, _ = call(method, path)
    assert status_code == 405 and "Allow" in headers, (method, path, status_code)
    assert method.lower() not in spec["paths"][template], (method, template)
    documented = [m for m in spec["paths"][template]]
    assert headers["Allow"].lower() in documented, (headers["Allow"], documented)
# a path it does not document: 404
status_code, _, _ = call("GET", "/")
assert status_code == 404, status_code
status_code, _, _ = call("GET", "/referrals/x")
assert status_code == 404, status_code

documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
exercised = {(m, p) for m, p, _ in checked}
assert documented == exercised, documented ^ exercised
print("openapi: %d answers checked against %s" % (len(checked), spec_path))
