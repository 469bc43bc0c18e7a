#!/usr/bin/env python3
# helper.py - tests/metrics/run's frames, parser and comparison.
#
#   helper.py frames DIR IFINDEX_IN IFINDEX_OUT   frame files + xdp_md contexts
#   helper.py send IFNAME FRAME N                 send FRAME N times on IFNAME
#   helper.py samples PROM                        the samples as JSON lines
#   helper.py compare PROM STATS_JSON VERSION     every sample against stats --json
#   helper.py tail-check FILE SECONDS LINES       read FILE while it is rewritten
#
# The parser is written from the text format's specification, apart from
# fwctl's writer: escapes \\ \" \n in label values, one sample per line.
import json
import os
import re
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


ETH = bytes.fromhex("020000000002020000000001")


def ipv4(proto, payload, frag=0, version=4):
    ip = struct.pack("!BBHHHBBH4s4s", version << 4 | 5, 0, 20 + len(payload), 1, frag, 64,
                     proto, 0, bytes([10, 9, 1, 1]), bytes([10, 0, 0, 2]))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + struct.pack("!H", 0x0800) + ip + payload


def tcp(dport):
    return ipv4(6, struct.pack("!HHIIBBHHH", 40000, dport, 1, 0, 5 << 4, 2, 65535, 0, 0) + bytes(6))


def udp(dport, n=32):
    return ipv4(17, struct.pack("!HHHH", 40000, dport, 8 + n, 0) + bytes(n))


def arp():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes.fromhex("020000000001"),
                       bytes([10, 0, 0, 1]), bytes(6), bytes([10, 0, 0, 2]))
    return b"\xff" * 6 + ETH[6:] + struct.pack("!H", 0x0806) + body + bytes(18)


FRAMES = {
    "tcp7070": lambda: tcp(7070),               # allow tcp 7070
    "dns": lambda: udp(53),                      # the deny rule
    "tcp1234": lambda: tcp(1234),               # no rule: policy drop
    "ethertype": lambda: ETH + b"\x88\xb5" + bytes(46),   # unknown ethertype
    "arp": arp,                                  # ARP: forwarded
    "malformed": lambda: ipv4(6, bytes(20), version=5),
    "fragment": lambda: ipv4(17, bytes(24), frag=100),    # non-first fragment
}


def frames(out, ifin, ifout):
    for name, make in FRAMES.items():
        f = make()
        with open(os.path.join(out, name + ".bin"), "wb") as fh:
            fh.write(f)
        for side, idx in (("in", ifin), ("out", ifout)):
            # struct xdp_md: data, data_end, data_meta, ingress_ifindex, rx_queue_index, egress
            with open(os.path.join(out, "%s.%s.ctx" % (name, side)), "wb") as fh:
                fh.write(struct.pack("6I", 0, len(f), 0, int(idx), 0, 0))
        print(name, len(f))


def send(ifname, path, n):
    f = open(path, "rb").read()
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for _ in range(int(n)):
        s.send(f)


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = re.compile(r'(%s)="((?:[^"\\\n]|\\[\\"n])*)"' % NAME)


def unescape(v):
    return re.sub(r'\\(.)', lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), v)


def parse(text):
    """{(name, ((label, value), ...)): value}; raises on a line it cannot read."""
    out = {}
    if not text.endswith("\n"):
        raise ValueError("no newline at the end")
    for line in text.split("\n")[:-1]:
        if line.startswith("#"):
            continue
        m = re.match(r"(%s)(\{.*\})? (\S+)$" % NAME, line)
        if not m:
            raise ValueError("cannot read line %r" % line)
        labels = []
        rest = (m.group(2) or "{}")[1:-1]
        while rest:
            lm = LABEL.match(rest)
            if not lm:
                raise ValueError("bad labels in %r" % line)
            labels.append((lm.group(1), unescape(lm.group(2))))
            rest = rest[lm.end():]
            if rest.startswith(","):
                rest = rest[1:]
            elif rest:
                raise ValueError("bad labels in %r" % line)
        key = (m.group(1), tuple(sorted(labels)))
        if key in out:
            raise ValueError("duplicate sample %r" % (key,))
        out[key] = float(m.group(3))
    return out


def samples(path):
    for (name, labels), v in parse(open(path).read()).items():
        print(json.dumps({"name": name, "labels": dict(labels), "value": v}))


DROP_KEYS = {"policy": "by_policy", "malformed": "malformed", "fragment": "fragment",
             "unknown_ethertype": "unknown_ethertype", "redirect_error": "redirect_error",
             "rule": "by_rule"}
FWD_KEYS = {"rule": "by_rule", "policy": "by_policy", "arp-nd": "arp_nd", "flow": "flow",
            "related": "related"}


def key(name, **labels):
    return (name, tuple(sorted(labels.items())))


def compare(prom_path, json_path, version):
    got = parse(open(prom_path).read())
    j = json.load(open(json_path))
    want = {key("fwctl_info", version=version, mode=j["mode"]): 1,
            key("fwctl_rules"): len(j["rules"])}
    drop_bytes = {}
    for d, st in j["directions"].items():
        lab = dict(interface=st["from"], direction=d)
        fwd_bytes = 0
        for reason, jk in FWD_KEYS.items():
            want[key("fwctl_packets_total", verdict="forward", reason=reason, **lab)] = \
                st["forwarded"][jk]
            # stats --json has forwarded bytes only in total.
            k = key("fwctl_bytes_total", verdict="forward", reason=reason, **lab)
            want[k] = got.get(k)
            fwd_bytes += got.get(k) or 0
        if fwd_bytes != st["forwarded"]["bytes"]:
            print("forwarded bytes of %s: the samples add up to %d, stats --json says %d"
                  % (d, fwd_bytes, st["forwarded"]["bytes"]))
            return 1
        total = 0
        for reason, jk in DROP_KEYS.items():
            want[key("fwctl_packets_total", verdict="drop", reason=reason, **lab)] = \
                st["dropped"][jk]
            k = key("fwctl_bytes_total", verdict="drop", reason=reason, **lab)
            # stats --json has dropped bytes only as received - forwarded.
            drop_bytes[k] = got.get(k)
            want[k] = got.get(k)
            total += got.get(k) or 0
        if total != st["received"]["bytes"] - st["forwarded"]["bytes"]:
            print("dropped bytes of %s: the samples add up to %d, stats --json says %d"
                  % (d, total, st["received"]["bytes"] - st["forwarded"]["bytes"]))
            return 1
        for result, jk in (("sent", "sent"), ("dropped", "drops"),
                           ("redirect_error", "redirect_errors")):
            if st["tx"][jk] is not None:    # null in skb mode: no sample
                want[key("fwctl_tx_total", result=result, **lab)] = st["tx"][jk]
    for r in j["rules"]:
        want[key("fwctl_rule_packets_total", rule_id=str(r["id"]), rule=r["rule"])] = r["packets"]
        want[key("fwctl_rule_bytes_total", rule_id=str(r["id"]), rule=r["rule"])] = r["bytes"]
    trace = j.get("trace") or {}
    want[key("fwctl_trace_lost_total", cause="rate_limit")] = trace.get("lost_rate_limit", 0)
    want[key("fwctl_trace_lost_total", cause="ring_full")] = trace.get("lost_ring_full", 0)
    bad = 0
    for k in sorted(set(want) | set(got)):
        if k not in got:
            print("missing: %s%s = %s" % (k[0], dict(k[1]), want[k]))
        elif k not in want:
            print("extra: %s%s = %s" % (k[0], dict(k[1]), got[k]))
        elif got[k] != want[k] or want[k] is None:
            print("%s%s: %s, stats --json: %s" % (k[0], dict(k[1]), got[k], want[k]))
        else:
            continue
        bad += 1
    print("%d samples, %d differ" % (len(got), bad))
    return 1 if bad else 0


def tail_check(path, seconds, lines):
    """Read path over and over while it is rewritten: every read whole."""
    end = time.time() + float(seconds)
    reads = 0
    inodes = set()
    while time.time() < end:
        with open(path) as fh:
            inodes.add(os.fstat(fh.fileno()).st_ino)
            text = fh.read()
        reads += 1
        n = text.count("\n")
        if n != int(lines) or not text.endswith("\n"):
            print("read %d: %d lines, want %d" % (reads, n, int(lines)))
            return 1
        parse(text)
    print("%d reads of %d files, each whole" % (reads, len(inodes)))
    return 0 if len(inodes) > 1 else 2


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "frames":
        frames(*args)
    elif cmd == "send":
        send(*args)
    elif cmd == "samples":
        samples(*args)
    elif cmd == "compare":
        return compare(*args)
    elif cmd == "tail-check":
        return tail_check(*args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
