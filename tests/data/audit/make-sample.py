#!/usr/bin/env python3
"""Writes sample-valid.jsonl with an implementation independent of Sextant's C++ code, so the
unit tests check that the documented canonical form (docs/audit-log.md) is what the code does."""
import hashlib
import json


def canonical(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


entries = [
    dict(actor="alice", instance="prod-eu", action="sync", target="argocd/guestbook",
         phase="requested", detail="Sync guestbook to HEAD",
         request=dict(method="POST",
                      url="https://argocd.example.com/api/v1/applications/guestbook/sync",
                      body='{"prune":false,"revision":"HEAD"}')),
    dict(actor="bob", instance="prod-eu", action="sync", target="argocd/guestbook",
         phase="approved", detail="ok \u00e9t\u00e9 \u2713 \"quoted\"\n\ttab \u0001",
         request=dict(method="POST",
                      url="https://argocd.example.com/api/v1/applications/guestbook/sync",
                      body='{"prune":false,"revision":"HEAD"}')),
    dict(actor="alice", instance="prod-eu", action="sync", target="argocd/guestbook",
         phase="succeeded", detail="done"),
]
prev = "0" * 64
with open("sample-valid.jsonl", "w", encoding="utf-8", newline="\n") as f:
    for i, e in enumerate(entries, 1):
        e["seq"] = i
        e["ts"] = "2024-05-01T10:00:0%d.123Z" % i
        if "request" in e:
            body = e["request"]["body"].encode()
            e["request"]["bodySha256"] = hashlib.sha256(body).hexdigest()
        e["prev"] = prev
        e["hash"] = hashlib.sha256(canonical(e).encode("utf-8")).hexdigest()
        prev = e["hash"]
        f.write(canonical(e) + "\n")
print(prev)
