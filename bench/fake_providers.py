#!/usr/bin/env python3
"""Stand-ins for Discord's and GitHub's OAuth 2 and user APIs, so the benchmark (and anyone trying
Portal on one machine) can sign a user in for real, with no account anywhere.

Discord: /oauth2/authorize answers 302 to redirect_uri with a code and the state; /oauth2/token turns
a code (with a PKCE verifier) into an access token; /api/users/@me answers in Discord's shape.
GitHub: /login/oauth/authorize, /login/oauth/access_token (JSON when asked for it) and /user, in
GitHub's shapes. Each platform always names the same person.
"""
import json
import secrets
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CODES = {}
TOKENS = {}
USER = {"id": "1185865881356615713", "username": "benchuser", "global_name": "Bench", "avatar": None,
        "discriminator": "0"}
GITHUB_USER = {"login": "octo-bench", "id": 583231, "avatar_url": "https://avatars.githubusercontent.com/u/583231?v=4",
               "name": "Octo Bench", "type": "User"}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path in ("/oauth2/authorize", "/login/oauth/authorize"):
            q = dict(urllib.parse.parse_qsl(url.query))
            code = secrets.token_urlsafe(16)
            CODES[code] = q.get("code_challenge")
            target = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": code, "state": q["state"]})
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()
        elif url.path in ("/api/users/@me", "/user"):
            token = self.headers.get("Authorization", "")[len("Bearer "):]
            if TOKENS.get(token) == url.path:
                self.send_json(200, USER if url.path == "/api/users/@me" else GITHUB_USER)
            else:
                self.send_json(401, {"message": "401: Unauthorized", "code": 0})
        else:
            self.send_json(404, {})

    def do_POST(self):
        if self.path not in ("/oauth2/token", "/login/oauth/access_token"):
            self.send_json(404, {})
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if CODES.pop(form.get("code"), None) is None or not form.get("code_verifier"):
            self.send_json(400, {"error": "invalid_grant"})
            return
        token = secrets.token_urlsafe(24)
        if self.path == "/login/oauth/access_token":
            TOKENS[token] = "/user"
            self.send_json(200, {"access_token": token, "token_type": "bearer", "scope": "read:user"})
            return
        TOKENS[token] = "/api/users/@me"
        self.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 604800, "scope": "identify"})


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
