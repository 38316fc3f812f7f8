"""A real SMTP server for the integration tests (aiosmtpd). Every message it receives is
decoded with Python's email package and written as one JSON file in OUT_DIR:
{"to": [...], "subject", "text", "html", "receivedAt"}.

Usage: smtpd.py HOST PORT OUT_DIR  (prints "ready" once it accepts connections)
"""
import email
import email.policy
import json
import os
import sys
import threading
import time
import uuid

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, out_dir):
        self.out_dir = out_dir

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "subject": str(message["subject"] or ""),
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
            "receivedAt": time.time_ns(),
        }
        path = os.path.join(self.out_dir, uuid.uuid4().hex + ".json")
        with open(path + ".part", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".part", path)  # readers never see half a file
        return "250 Message accepted for delivery"


def main():
    host, port, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    controller = Controller(Keep(out_dir), hostname=host, port=port)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
