# How history-v6.db and history-v7.db were made (SqliteHistoryTest's
# migration tests): a hermesd of that schema version (v6: commit 6603692, the
# last before schema version 7; v7: commit 66755f7, the last before schema
# version 8) on 127.0.0.1, sent frames encoded by protoc from text format, and
# one file shared with hermes-cat of the same build; stopped with SIGTERM, then
#   sqlite3 RUN/VERSION.db "VACUUM INTO 'history-VERSION.db'"
# What it holds (the test checks each): rooms dev (topic, 40 messages with a
# reply, reactions, an unreaction, edits, a delete of an edited message, a
# file) and ops (5 messages) and lobby (the default room, 2 messages); the
# private conversation "@ana bob" (4 messages) and "@ana cy" (2 messages,
# waiting for cy, offline); read markers of bob (dev 10) and ana (bob's
# conversation 2); in dev a nick ban of eve, a topic lock and bob made an
# operator by account; room "secret" invite-only; accounts ana, bob, cy.
# Usage: HERMESD=build/release/hermesd/hermesd HERMES_CAT=build/release/tools/hermes-cat \
#          python3 make-history-fixture.py VERSION [RUN_DIR]    (VERSION: v6, v7)
# A tool, not a test: it waits on the hub with pauses, not on conditions.
import os, shutil, signal, socket, subprocess, sys, time

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
hermesd = os.environ["HERMESD"]
hermes_cat = os.environ["HERMES_CAT"]
version = sys.argv[1]
d = sys.argv[2] if len(sys.argv) > 2 else "/tmp/history-%s-run" % version
shutil.rmtree(d, ignore_errors=True)
os.makedirs(d)
cfg = open(root + "/etc/hermesd.properties").read()
cfg += ("\nhermesd.host = 127.0.0.1\nhermesd.port = 0\nhistory.path = %s/%s.db\n"
        "files.path = %s/files\nhttp.port = 0\nirc.port = 0\nhermesd.stats_interval_s = 0\n"
        "hub.rate_per_second = 0\n" % (d, version, d))
open(d + "/h.properties", "w").write(cfg)
hub = subprocess.Popen([hermesd, "--config=" + d + "/h.properties", "--port=0",
                        "--port-file=" + d + "/port"],
                       stdout=open(d + "/log", "w"), stderr=subprocess.STDOUT)
try:
    for _ in range(400):
        if os.path.exists(d + "/port") and open(d + "/port").read().strip():
            break
        time.sleep(0.05)
    port = int(open(d + "/port").read().split()[0].split(":")[-1])

    def enc(text):
        b = subprocess.run(["protoc", "-I" + root + "/proto", "--encode=hermes.v1.Envelope",
                            "hermes/v1/hermes.proto"], input=text.encode(),
                           capture_output=True, check=True).stdout
        n = len(b)
        v = b""
        while True:
            c = n & 0x7f
            n >>= 7
            if n:
                v += bytes([c | 0x80])
            else:
                v += bytes([c])
                break
        return v + b

    class Client:
        def __init__(self, nick, password=None, register=False):
            self.s = socket.create_connection(("127.0.0.1", port))
            self.s.setblocking(False)
            self.id = 0
            hello = 'hello { protocol_version: 1 nick: "%s" client_name: "%sfixture"' % (nick, version)
            if password and not register:
                hello += ' password: "%s"' % password
            self.send(hello + " }", 0.5)
            if register:
                self.send('register_nick { password: "%s" }' % password, 1.0)

        def send(self, text, pause=0.15):
            self.s.sendall(enc(text))
            time.sleep(pause)
            try:  # drain what the hub sent, so it never waits on us
                while self.s.recv(65536):
                    pass
            except BlockingIOError:
                pass

        def say(self, room, body):
            self.id += 1
            self.send('say { room: "%s" client_msg_id: %d %s }' % (room, self.id, body))

        def msg(self, to, text):
            self.id += 1
            self.send('private_message { to: "%s" client_msg_id: %d text: "%s" }'
                      % (to, self.id, text))

        def close(self):
            self.s.close()

    cy = Client("cy", "cy-password-1", register=True)
    cy.close()
    time.sleep(0.5)
    ana = Client("ana", "ana-password-1", register=True)
    bob = Client("bob", "bob-password-1", register=True)
    words = ["apple", "banana", "cherry", "walrus", "needle", "harbour", "lantern", "meadow"]
    ana.send('join { room: "dev" }', 0.3)   # ana creates dev: its operator
    bob.send('join { room: "dev" }', 0.3)
    ana.send('topic { room: "dev" text: "the dev room, %s" }' % version)
    for i in range(1, 31):                  # dev 1..30
        who = ana if i % 3 else bob
        who.say("dev", 'text: "message %d %s %s"' % (i, words[i % 8], words[(i * 3) % 8]))
    bob.say("dev", 'text: "answer to one" reply_to: 1')                     # 31
    bob.say("dev", 'kind: MESSAGE_KIND_REACT text: "+1" target_seq: 1')      # 32
    ana.say("dev", 'kind: MESSAGE_KIND_REACT text: "heart" target_seq: 1')   # 33
    ana.say("dev", 'kind: MESSAGE_KIND_UNREACT text: "heart" target_seq: 1')  # 34
    ana.say("dev", 'kind: MESSAGE_KIND_EDIT text: "message 2 edited zeppelin" target_seq: 2')  # 35
    bob.say("dev", 'kind: MESSAGE_KIND_EDIT text: "secret quokka" target_seq: 3')  # 36
    bob.say("dev", 'kind: MESSAGE_KIND_DELETE target_seq: 3')                # 37
    ana.say("dev", 'text: "after the delete"')                               # 38
    up = d + "/notes.txt"
    open(up, "w").write("fixture file for schema version %s\n" % version[1:] * 20)
    subprocess.run([hermes_cat, "--port", str(port), "--room", "dev", "--nick", "dee",
                    "--timeout", "10", "--upload", up], check=True, capture_output=True)  # 39
    time.sleep(0.3)
    ana.say("dev", 'text: "the last word in dev"')                           # 40
    ana.send('join { room: "ops" }', 0.3)
    for i in range(1, 6):
        ana.say("ops", 'text: "ops note %d %s"' % (i, words[i]))
    ana.say("lobby", 'text: "hello lobby"')
    bob.say("lobby", 'text: "hi ana"')
    ana.msg("bob", "private hello walrus")
    bob.msg("ana", "private reply")
    ana.msg("bob", "second private")
    bob.msg("ana", "third private")
    ana.msg("cy", "cy is away one")       # waiting: cy is offline
    ana.msg("cy", "cy is away two")
    bob.send('mark_read { room: "dev" seq: 10 }')
    ana.send('mark_read { peer: "bob" seq: 2 }')
    ana.send('moderation_request { room: "dev" action: MODERATION_ACTION_BAN target: "eve"'
             ' reason: "spam" }')
    ana.send('moderation_request { room: "dev" action: MODERATION_ACTION_LOCK_TOPIC }')
    ana.send('moderation_request { room: "dev" action: MODERATION_ACTION_OP target: "bob"'
             ' target_kind: TARGET_KIND_ACCOUNT }')
    ana.send('join { room: "secret" }', 0.3)
    ana.send('moderation_request { room: "secret" action: MODERATION_ACTION_INVITE_ONLY }')
    time.sleep(1.0)
    ana.close()
    bob.close()
    time.sleep(0.3)
finally:
    hub.send_signal(signal.SIGTERM)
    hub.wait(timeout=40)
print(open(d + "/log").read()[-2000:])
