"""A real SMTP server for the alert e-mail tests: aiosmtpd (Debian package python3-aiosmtpd).

Usage: smtp_server.py MODE PORT CERT KEY USER PASSWORD OUT_DIR
MODE: starttls (STARTTLS required before AUTH and MAIL), tls (implicit TLS from the first byte),
plain (no TLS offered; AUTH never offered either, as aiosmtpd requires TLS for it).
Every accepted message is written to OUT_DIR as <n>.eml with a first line
"X-Test-Session: tls=<bool> user=<login>". Prints "ready <port>" once listening.
"""
import asyncio
import os
import ssl
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def main():
    mode, port, cert, key, user, password, out_dir = sys.argv[1:8]
    port = int(port)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    counter = [0]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            counter[0] += 1
            login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else "-"
            tls = server.transport.get_extra_info("ssl_object") is not None
            path = os.path.join(out_dir, "%d.eml" % counter[0])
            with open(path + ".tmp", "wb") as f:
                f.write(("X-Test-Session: tls=%s user=%s\r\n" % (tls, login)).encode())
                f.write(("X-Test-Envelope: from=%s to=%s\r\n" % (envelope.mail_from, ",".join(envelope.rcpt_tos))).encode())
                f.write(envelope.original_content)
            os.rename(path + ".tmp", path)
            return "250 queued"

    def authenticate(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
                and auth_data.password.decode() == password:
            return AuthResult(success=True, auth_data=auth_data)
        return AuthResult(success=False, handled=False)

    options = dict(hostname="127.0.0.1", port=port, authenticator=authenticate, auth_require_tls=True)
    if mode == "starttls":
        controller = Controller(Handler(), tls_context=context, require_starttls=True, **options)
    elif mode == "tls":
        # aiosmtpd counts only STARTTLS as TLS for AUTH; here the whole connection is TLS.
        options["auth_require_tls"] = False
        controller = Controller(Handler(), ssl_context=context, **options)
    else:
        controller = Controller(Handler(), **options)
    controller.start()
    print("ready %d" % port, flush=True)
    try:
        sys.stdin.read()  # runs until the test closes our standard input
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
