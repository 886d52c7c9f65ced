# How history-v5.db was made (SqliteHistoryTest's migration test): a hermesd
# of schema version 5 (main before schema version 6) on 127.0.0.1, sent
# frames encoded by protoc from text format; then
#   sqlite3 RUN/v5.db "VACUUM INTO 'history-v5.db'"
# Usage: HERMESD=path/to/v5/hermesd python3 make-history-v5.py [RUN_DIR]
import os, socket, subprocess, sys, time, signal
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../..")
hermesd = os.environ["HERMESD"]
d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/history-v5-run"; os.makedirs(d, exist_ok=True)
import shutil; shutil.rmtree(d); os.makedirs(d)
cfg = open(root + "/etc/hermesd.properties").read()
cfg += "\nhermesd.host = 127.0.0.1\nhermesd.port = 0\nhistory.path = %s/v5.db\nhttp.port = 0\nhermesd.stats_interval_s = 0\n" % d
open(d + "/h.properties", "w").write(cfg)
p = subprocess.Popen([hermesd, "--config=" + d + "/h.properties", "--port=0", "--port-file=" + d + "/port"], stdout=open(d + "/log", "w"), stderr=subprocess.STDOUT)
for _ in range(200):
    if os.path.exists(d + "/port") and open(d + "/port").read().strip(): break
    time.sleep(0.05)
port = int(open(d + "/port").read().split()[0].split(":")[-1])
def enc(text):
    b = subprocess.run(["protoc", "-I" + root + "/proto", "--encode=hermes.v1.Envelope", "hermes/v1/hermes.proto"], input=text.encode(), capture_output=True, check=True).stdout
    n = len(b); v = b""
    while True:
        c = n & 0x7f; n >>= 7
        if n: v += bytes([c | 0x80])
        else: v += bytes([c]); break
    return v + b
def client(nick, password=None):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(enc('hello { protocol_version: 1 nick: "%s" client_name: "v5fixture" }' % nick))
    time.sleep(0.3)
    if password:
        s.sendall(enc('register_nick { password: "%s" }' % password)); time.sleep(0.8)
    s.sendall(enc('join { room: "dev" }')); time.sleep(0.3)
    return s
def say(s, i, body):
    s.sendall(enc('say { room: "dev" client_msg_id: %d %s }' % (i, body))); time.sleep(0.2)
ana = client("ana", "ana-password-1")
bob = client("bob")
say(ana, 1, 'text: "hello from ana"')                               # 1
say(bob, 1, 'text: "secret plan alpha"')                            # 2
say(ana, 2, 'text: "yes" reply_to: 1')                              # 3
say(bob, 2, 'kind: MESSAGE_KIND_REACT text: "+1" target_seq: 1')    # 4
say(ana, 3, 'kind: MESSAGE_KIND_EDIT text: "hello edited" target_seq: 1')  # 5
say(bob, 3, 'kind: MESSAGE_KIND_EDIT text: "secret plan beta" target_seq: 2')  # 6
say(bob, 4, 'kind: MESSAGE_KIND_DELETE target_seq: 2')              # 7
say(ana, 4, 'text: "ana keeps this"')                               # 8
time.sleep(1)
ana.close(); bob.close()
p.send_signal(signal.SIGTERM); p.wait(timeout=20)
print(open(d + "/log").read()[-1500:])
