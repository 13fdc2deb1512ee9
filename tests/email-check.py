#!/usr/bin/python3
"""email-check: parse a received mail with the stdlib email package and print
what the email tests assert on, as one JSON object."""
import email
import email.policy
import email.utils
import json
import sys


def main():
    with open(sys.argv[1], "rb") as f:
        raw = f.read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    raw_msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    out = {
        "content_type": msg.get_content_type(),
        "mime_version": msg.get("MIME-Version"),
        "subject": str(msg["Subject"]),
        "raw_subject": raw_msg["Subject"],
        "raw_from": raw_msg["From"],
        "from_name": msg["From"].addresses[0].display_name,
        "from_addr": msg["From"].addresses[0].addr_spec,
        "to": [a.addr_spec for a in msg["To"].addresses],
        "to_names": [a.display_name for a in msg["To"].addresses],
        "cc": [a.addr_spec for a in msg["Cc"].addresses] if msg["Cc"] else [],
        "date": msg["Date"],
        "date_ts": int(email.utils.parsedate_to_datetime(msg["Date"]).timestamp()),
        "message_id": msg["Message-ID"],
        "auto_submitted": msg["Auto-Submitted"],
        "bcc": msg["Bcc"],
        "header_names": [k.lower() for k in msg.keys()],
        "parts": [],
    }
    for part in msg.iter_parts() if msg.is_multipart() else []:
        out["parts"].append({
            "type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "cte": part["Content-Transfer-Encoding"],
            "text": part.get_content(),
        })
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
