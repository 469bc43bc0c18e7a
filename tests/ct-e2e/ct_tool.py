#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""ct_tool.py - real sockets through the filter for tests/ct-e2e/run.

usage: ct_tool.py CLIENT_NS SERVER_NS DST_ADDR PORT [COMMAND ...]

A client in network namespace CLIENT_NS talks to a server in SERVER_NS at
DST_ADDR:PORT (IPv4 or IPv6, from the address). The process stays in its
own namespace and enters the hosts' only to create sockets (setns), so it
needs no `ip netns exec` and its sockets live where they were made.

Each COMMAND states the outcome it expects and prints one line: "ok [INFO]"
when it happened, "fail WHY" when the network did something else, "error
WHY" when the tool itself could not do it. With COMMANDs on the command
line, it stops at the first that is not ok: exit 0 (all ok), 1 (fail) or 2
(error). Without, it reads commands from stdin, one per line (a session:
the shell runs fwctl between two commands on one live connection).

Commands (arguments in brackets are optional):
  connect [SPORT]      TCP connection succeeds (a server listens on PORT);
                       prints the client's port
  connect-fails [SPORT]  TCP connect times out (a server listens)
  xchg [BYTES]         on the connection: BYTES (65536) from client to
                       server and back again, whole
  xchg-blocked         on the connection: 100 bytes never reach the server
  icmperr pass|drop    from the server's host to the client: ICMP
                       "fragmentation needed" (IPv4) or ICMPv6 "packet too
                       big" quoting the connection's client->server header
                       (pass: it arrives), or quoting a port of no flow
                       (drop: it does not)
  flood N              N TCP SYNs from the client's host to PORT, source
                       ports 20000.., as fast as a raw socket sends them
  udp-query [SPORT]    a datagram to the server, whose echo comes back
  udp-send [SPORT]     a datagram reaches the server (no reply asked)
  udp-dropped [SPORT]  a datagram does not reach the server
  frag SIZE pass|drop [echo]  one SIZE-byte UDP datagram (fragmented on the
                       way out); pass: it arrives whole, and with echo the
                       server's SIZE-byte echo comes back whole; drop: not
                       one of its fragments arrives on the server's eth0
  frag6-relabel SIZE pass|drop  (IPv6) a SIZE-byte UDP datagram cut into
                       fragments by hand, sent from the client's eth0, its
                       later fragments relabelled as TCP in their fragment
                       header; pass: all arrive and the datagram is whole;
                       drop: not one arrives
  close                close the connection (RST)
"""
import ctypes
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
WAIT = 2.0		# seconds for what should happen, and for what should not

libc = ctypes.CDLL(None, use_errno=True)


class Fail(Exception):
	"""The network did not do what the command expected."""


def in_ns(ns, fn, *args):
	"""fn(*args) with this thread in network namespace ns."""
	home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
	fd = os.open("/run/netns/" + ns, os.O_RDONLY)
	try:
		if libc.setns(fd, CLONE_NEWNET):
			raise OSError(ctypes.get_errno(), "setns " + ns)
		try:
			return fn(*args)
		finally:
			libc.setns(home, CLONE_NEWNET)
	finally:
		os.close(fd)
		os.close(home)


def csum(data):
	if len(data) % 2:
		data += b"\0"
	s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
	while s >> 16:
		s = (s & 0xffff) + (s >> 16)
	return ~s & 0xffff


def recv_all(sock, n, deadline):
	got = b""
	while len(got) < n:
		left = deadline - time.monotonic()
		if left <= 0:
			break
		sock.settimeout(left)
		try:
			chunk = sock.recv(n - len(got))
		except (socket.timeout, BlockingIOError):
			break
		except OSError:
			break
		if not chunk:
			break
		got += chunk
	return got


class Tool:
	def __init__(self, cli, srv, dst, port):
		self.cli, self.srv, self.dst, self.port = cli, srv, dst, int(port)
		self.fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
		self.any = "::" if self.fam == socket.AF_INET6 else "0.0.0.0"
		self.c = self.s = self.lsn = None

	# --- TCP --------------------------------------------------------------

	def _listen(self):
		s = socket.socket(self.fam, socket.SOCK_STREAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind((self.any, self.port))
		s.listen(64)
		return s

	def _client(self, sport):
		c = socket.socket(self.fam, socket.SOCK_STREAM)
		c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if sport:
			c.bind((self.any, int(sport)))
		return c

	def _connect(self, sport):
		self.close()
		self.lsn = in_ns(self.srv, self._listen)
		self.c = in_ns(self.cli, self._client, sport)
		self.c.settimeout(WAIT)
		try:
			self.c.connect((self.dst, self.port))
		except (socket.timeout, OSError) as e:
			return "connect to %s port %d: %s" % (self.dst, self.port, e)
		self.lsn.settimeout(WAIT)
		try:
			self.s, _ = self.lsn.accept()
		except socket.timeout:
			return "connected but the server accepted nothing"
		return None

	def cmd_connect(self, sport=None):
		err = self._connect(sport)
		if err:
			raise Fail(err)
		return str(self.c.getsockname()[1])

	def cmd_connect_fails(self, sport=None):
		err = self._connect(sport)
		self.close()
		if not err:
			raise Fail("connected to %s port %d" % (self.dst, self.port))
		return err

	def _need_conn(self):
		if not self.c or not self.s:
			raise RuntimeError("no connection (connect first)")

	def cmd_xchg(self, n="65536"):
		self._need_conn()
		n = int(n)
		data = os.urandom(n)
		echo = {}

		def server():
			got = recv_all(self.s, n, time.monotonic() + WAIT + 1)
			echo["n"] = len(got)
			try:
				self.s.sendall(got)
			except OSError:
				pass
		t = threading.Thread(target=server)
		t.start()
		try:
			self.c.settimeout(WAIT)
			self.c.sendall(data)
		except OSError as e:
			t.join()
			raise Fail("send: %s" % e)
		back = recv_all(self.c, n, time.monotonic() + WAIT + 2)
		t.join()
		if echo.get("n", 0) != n:
			raise Fail("server received %d of %d bytes" % (echo.get("n", 0), n))
		if back != data:
			raise Fail("client got %d of %d bytes back%s" %
				   (len(back), n, "" if len(back) < n else ", different"))
		return "%d bytes each way" % n

	def cmd_xchg_blocked(self):
		self._need_conn()
		try:
			self.c.setblocking(False)
			self.c.send(b"x" * 100)
		except OSError:
			pass
		got = recv_all(self.s, 100, time.monotonic() + WAIT)
		if got:
			raise Fail("server received %d bytes" % len(got))
		return "nothing arrived in %.0f s" % WAIT

	def close(self):
		for s in (self.c, self.s, self.lsn):
			if s:
				try:
					# RST at once: no FIN retransmissions after the test.
					s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
						     struct.pack("ii", 1, 0))
				except OSError:
					pass
				s.close()
		self.c = self.s = self.lsn = None

	def cmd_close(self):
		self.close()
		return ""

	# --- ICMP errors --------------------------------------------------------

	def _icmp_error(self, src, sport):
		"""The error the server's host sends about a client->server segment."""
		tcp = struct.pack("!HHI", sport, self.port, 1)
		if self.fam == socket.AF_INET:
			ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0x1234, 0x4000, 64, 6, 0,
					 socket.inet_aton(src), socket.inet_aton(self.dst))
			ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
			body = struct.pack("!BBHHH", 3, 4, 0, 0, 1400) + ip + tcp
			return body[:2] + struct.pack("!H", csum(body)) + body[4:]
		ip = struct.pack("!IHBB16s16s", 0x60000000, 1460, 6, 64,
				 socket.inet_pton(self.fam, src), socket.inet_pton(self.fam, self.dst))
		# ICMPv6 checksum: the kernel fills it in on raw ICMPv6 sockets.
		return struct.pack("!BBHI", 2, 0, 0, 1280) + ip + tcp

	def _icmp_sock(self):
		proto = socket.IPPROTO_ICMP if self.fam == socket.AF_INET else socket.IPPROTO_ICMPV6
		return socket.socket(self.fam, socket.SOCK_RAW, proto)

	def _icmp_seen(self, r, sport, deadline):
		"""Did r receive our error (type/code, quoting sport)?"""
		while time.monotonic() < deadline:
			rd, _, _ = select.select([r], [], [], max(0, deadline - time.monotonic()))
			if not rd:
				break
			pkt = r.recv(4096)
			if self.fam == socket.AF_INET:
				pkt = pkt[(pkt[0] & 15) * 4:]
				want, off = (3, 4), 8 + 20
			else:
				want, off = (2, 0), 8 + 40
			if (pkt[0], pkt[1]) == want and len(pkt) >= off + 4 and \
			   struct.unpack("!HH", pkt[off:off + 4]) == (sport, self.port):
				return True
		return False

	def cmd_icmperr(self, how):
		self._need_conn()
		if how not in ("pass", "drop"):
			raise RuntimeError("icmperr pass|drop")
		src, cport = self.c.getsockname()[:2]
		sport = cport if how == "pass" else (cport + 1 if cport < 65535 else cport - 1)
		r = in_ns(self.cli, self._icmp_sock)
		w = in_ns(self.srv, self._icmp_sock)
		try:
			w.sendto(self._icmp_error(src, sport), (src, 0))
			seen = self._icmp_seen(r, sport, time.monotonic() + WAIT)
		finally:
			r.close()
			w.close()
		what = "error quoting %s port %d -> %d" % (src, sport, self.port)
		if seen != (how == "pass"):
			raise Fail("%s %s" % (what, "arrived" if seen else "did not arrive"))
		return what

	# --- SYN flood ------------------------------------------------------------

	def _raw_tcp(self):
		return socket.socket(self.fam, socket.SOCK_RAW, socket.IPPROTO_TCP)

	def cmd_flood(self, n):
		n = int(n)
		if self.fam != socket.AF_INET:
			raise RuntimeError("flood: IPv4 only")
		# The client's address: the one its kernel would use towards dst.
		probe = in_ns(self.cli, socket.socket, self.fam, socket.SOCK_DGRAM)
		probe.connect((self.dst, self.port))
		src = probe.getsockname()[0]
		probe.close()
		skip = self.c.getsockname()[1] if self.c else -1
		raw = in_ns(self.cli, self._raw_tcp)
		sent = 0
		pseudo = socket.inet_aton(src) + socket.inet_aton(self.dst) + struct.pack("!BBH", 0, 6, 20)
		for i in range(n):
			sport = 20000 + i
			if sport == skip:
				continue
			seg = struct.pack("!HHIIBBHHH", sport, self.port, random.getrandbits(32), 0,
					  5 << 4, 0x02, 64240, 0, 0)
			seg = seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]
			while True:
				try:
					raw.sendto(seg, (self.dst, 0))
					break
				except (BlockingIOError, OSError) as e:
					if getattr(e, "errno", 0) not in (11, 105):	# EAGAIN, ENOBUFS
						raise
					time.sleep(0.001)
			sent += 1
		raw.close()
		return "%d SYNs sent" % sent

	# --- UDP ------------------------------------------------------------------

	def _udp(self, port):
		s = socket.socket(self.fam, socket.SOCK_DGRAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		if port:
			s.bind((self.any, int(port)))
		return s

	def _udp_pair(self, sport):
		srv = in_ns(self.srv, self._udp, self.port)
		cli = in_ns(self.cli, self._udp, sport)
		cli.connect((self.dst, self.port))
		return srv, cli

	def _udp_one(self, sport, reply):
		srv, cli = self._udp_pair(sport)
		tok = b"ct-e2e-%d" % random.getrandbits(32)
		try:
			cli.send(tok)
			srv.settimeout(WAIT)
			try:
				data, peer = srv.recvfrom(2048)
			except socket.timeout:
				return False, False
			if data != tok:
				return False, False
			if not reply:
				return True, False
			srv.sendto(tok, peer)
			cli.settimeout(WAIT)
			try:
				return True, cli.recv(2048) == tok
			except (socket.timeout, OSError):
				return True, False
		finally:
			srv.close()
			cli.close()

	def cmd_udp_query(self, sport=None):
		got, back = self._udp_one(sport, True)
		if not got:
			raise Fail("the query did not reach the server")
		if not back:
			raise Fail("the server's reply did not come back")
		return "query and reply"

	def cmd_udp_send(self, sport=None):
		if not self._udp_one(sport, False)[0]:
			raise Fail("the datagram did not reach the server")
		return "delivered"

	def cmd_udp_dropped(self, sport=None):
		if self._udp_one(sport, False)[0]:
			raise Fail("the datagram reached the server")
		return "not delivered"

	# --- fragments ------------------------------------------------------------

	def _capture(self):
		p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
		p.bind(("eth0", 0))
		p.setblocking(False)
		return p

	def _is_frag(self, f, src):
		"""Is frame f a fragment from src to dst?"""
		a = socket.inet_pton(self.fam, src)
		b = socket.inet_pton(self.fam, self.dst)
		if self.fam == socket.AF_INET:
			if len(f) < 34 or f[12:14] != b"\x08\x00" or f[23] != 17:
				return False
			return f[26:30] == a and f[30:34] == b and (struct.unpack("!H", f[20:22])[0] & 0x3fff) != 0
		return len(f) >= 54 and f[12:14] == b"\x86\xdd" and f[20] == 44 and \
			f[22:38] == a and f[38:54] == b

	def cmd_frag(self, size, how, echo=None):
		size = int(size)
		if how not in ("pass", "drop"):
			raise RuntimeError("frag SIZE pass|drop [echo]")
		cap = in_ns(self.srv, self._capture)
		srv, cli = self._udp_pair(None)
		src = cli.getsockname()[0]
		data = os.urandom(size)
		frags = 0
		try:
			cli.send(data)
			srv.settimeout(WAIT if how == "pass" else 0.5)
			try:
				got, peer = srv.recvfrom(65536)
			except socket.timeout:
				got = None
			# Let the last fragments land in the capture before counting.
			time.sleep(0.2 if how == "pass" else 1.0)
			while True:
				try:
					frags += self._is_frag(cap.recv(65536), src)
				except BlockingIOError:
					break
			if how == "drop":
				if got is not None or frags:
					raise Fail("%d fragments arrived%s" %
						   (frags, ", the datagram too" if got is not None else ""))
				return "fragments=0"
			if got != data:
				raise Fail("datagram %s (%d fragments arrived)" %
					   ("lost" if got is None else "of %d bytes, different" % len(got), frags))
			if echo:
				srv.sendto(data, peer)
				cli.settimeout(WAIT)
				try:
					back = cli.recv(65536)
				except socket.timeout:
					raise Fail("the %d-byte echo did not come back" % size)
				if back != data:
					raise Fail("the echo came back as %d bytes, different" % len(back))
			return "fragments=%d" % frags
		finally:
			cap.close()
			srv.close()
			cli.close()


	def _inject(self):
		p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
		p.bind(("eth0", 0))
		return p

	def cmd_frag6_relabel(self, size, how):
		"""An IPv6 datagram of SIZE bytes cut by hand, its later fragments
		relabelled as TCP: pass, it arrives whole; drop, no fragment does."""
		if self.fam != socket.AF_INET6 or how not in ("pass", "drop"):
			raise RuntimeError("frag6-relabel SIZE pass|drop, to an IPv6 address")
		probe = in_ns(self.cli, socket.socket, self.fam, socket.SOCK_DGRAM)
		probe.connect((self.dst, self.port))
		src = probe.getsockname()[0]
		probe.close()
		data, frames = frag6_frames(src, self.dst, mac_of(self.cli), mac_of(self.srv),
					    self.port, int(size), 6)
		cap = in_ns(self.srv, self._capture)
		srv = in_ns(self.srv, self._udp, self.port)
		inj = in_ns(self.cli, self._inject)
		frags = 0
		try:
			for f in frames:
				inj.send(f)
			srv.settimeout(WAIT if how == "pass" else 0.5)
			try:
				got = srv.recv(65536)
			except socket.timeout:
				got = None
			time.sleep(0.2 if how == "pass" else 1.0)
			while True:
				try:
					frags += self._is_frag(cap.recv(65536), src)
				except BlockingIOError:
					break
		finally:
			cap.close()
			srv.close()
			inj.close()
		if how == "drop":
			if got is not None or frags:
				raise Fail("%d of %d fragments arrived" % (frags, len(frames)))
			return "fragments=0 of %d" % len(frames)
		if got != data or frags != len(frames):
			raise Fail("%d of %d fragments arrived, datagram %s" %
				   (frags, len(frames), "lost" if got is None else "whole" if got == data else "different"))
		return "fragments=%d" % frags


def mac_of(ns, dev="eth0"):
	out = subprocess.run(["ip", "-n", ns, "-j", "link", "show", "dev", dev],
			     capture_output=True, text=True, check=True).stdout
	return bytes.fromhex(json.loads(out)[0]["address"].replace(":", ""))


def frag6_frames(src, dst, smac, dmac, dport, size, relabel):
	"""A UDP datagram from src to dst:dport cut into IPv6 fragments by hand,
	the later ones with Next Header relabel in their fragment header."""
	a, b = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
	data = os.urandom(size)
	ulen = 8 + size
	udp = struct.pack("!HHHH", 40200, dport, ulen, 0) + data
	c = csum(a + b + struct.pack("!IxxxB", ulen, 17) + udp) or 0xffff
	udp = udp[:6] + struct.pack("!H", c) + udp[8:]
	ident, frames, chunk = random.getrandbits(32), [], 1232
	for off in range(0, ulen, chunk):
		part = udp[off:off + chunk]
		more = off + chunk < ulen
		fh = struct.pack("!BBHI", 17 if off == 0 else relabel, 0, off | more, ident)
		ip = struct.pack("!IHBB", 0x60000000, 8 + len(part), 44, 64) + a + b
		frames.append(dmac + smac + b"\x86\xdd" + ip + fh + part)
	return data, frames


def run(tool, line):
	words = line.split()
	if not words:
		return 0, ""
	fn = getattr(tool, "cmd_" + words[0].replace("-", "_"), None)
	if not fn:
		return 2, "error unknown command '%s'" % words[0]
	try:
		return 0, ("ok " + fn(*words[1:])).rstrip()
	except Fail as e:
		return 1, "fail %s" % e
	except Exception as e:	# the tool's own trouble, not the network's
		return 2, "error %s: %s" % (words[0], e)


def main():
	if len(sys.argv) < 5:
		sys.stderr.write(__doc__)
		return 2
	tool = Tool(*sys.argv[1:5])
	worst = 0
	try:
		if len(sys.argv) > 5:
			for cmd in sys.argv[5:]:
				rc, out = run(tool, cmd)
				print(out, flush=True)
				if rc:
					return rc
			return 0
		for line in sys.stdin:
			rc, out = run(tool, line)
			if out:
				print(out, flush=True)
			worst = max(worst, rc)
		return worst
	finally:
		tool.close()


if __name__ == "__main__":
	sys.exit(main())
