import struct, os, sys
root = sys.argv[1]
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff
OUR = bytes.fromhex('020000000002'); PEER = bytes.fromhex('0200000000aa')
def eth(t, payload, dst=OUR, vlans=()):
    h = dst + PEER
    for v in vlans: h += struct.pack('!HH', 0x8100, v)
    return h + struct.pack('!H', t) + payload
def ipv4(proto, l4, src=bytes([10,0,0,1]), dst=bytes([10,0,0,2]), flags=0x4000):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20+len(l4), 0x1234, flags, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + l4
def udp4(payload, sport=40000, dport=9000, src=bytes([10,0,0,1]), dst=bytes([10,0,0,2])):
    u = struct.pack('!HHHH', sport, dport, 8+len(payload), 0) + payload
    ph = src + dst + struct.pack('!BBH', 0, 17, len(u))
    c = csum(ph + u) or 0xffff
    return u[:6] + struct.pack('!H', c) + u[8:]
S6 = bytes.fromhex('fd000000000000000000000000000001'); D6 = bytes.fromhex('fd000000000000000000000000000002')
def ipv6(nh, l4, src=S6, dst=D6):
    return struct.pack('!IHBB', 0x60000000, len(l4), nh, 64) + src + dst + l4
def l4sum6(nh, l4, src=S6, dst=D6):
    ph = src + dst + struct.pack('!I', len(l4)) + b'\0\0\0' + bytes([nh])
    return csum(ph + l4)
def udp6(payload, dport=9000):
    u = struct.pack('!HHHH', 40000, dport, 8+len(payload), 0) + payload
    c = l4sum6(17, u) or 0xffff
    return u[:6] + struct.pack('!H', c) + u[8:]
def icmp4(payload):
    m = struct.pack('!BBHHH', 8, 0, 0, 1, 1) + payload
    return m[:2] + struct.pack('!H', csum(m)) + m[4:]
def icmp6(t, body):
    m = struct.pack('!BBH', t, 0, 0) + body
    return m[:2] + struct.pack('!H', l4sum6(58, m)) + m[4:]
arp = struct.pack('!HHBBH', 1, 0x0800, 6, 4, 1) + PEER + bytes([10,0,0,1]) + b'\0'*6 + bytes([10,0,0,2])
frames = {
 'udp4-service': eth(0x0800, ipv4(17, udp4(b'hello synthex'))),
 'udp4-other-port': eth(0x0800, ipv4(17, udp4(b'x'*18, dport=53))),
 'udp4-vlan': eth(0x0800, ipv4(17, udp4(b'vlan')), vlans=(7,)),
 'udp4-qinq': eth(0x0800, ipv4(17, udp4(b'qinq')), vlans=(7, 8)),
 'udp4-broadcast': eth(0x0800, ipv4(17, udp4(b'b')), dst=b'\xff'*6),
 'udp4-not-ours': eth(0x0800, ipv4(17, udp4(b'n', dst=bytes([10,0,0,9])), dst=bytes([10,0,0,9]))),
 'udp4-fragment': eth(0x0800, ipv4(17, udp4(b'frag'), flags=0x2000)),
 'udp6-service': eth(0x86dd, ipv6(17, udp6(b'hello synthex v6'))),
 'icmp4-echo': eth(0x0800, ipv4(1, icmp4(b'ping'*4))),
 'icmp6-echo': eth(0x86dd, ipv6(58, icmp6(128, struct.pack('!HH', 1, 1) + b'ping'))),
 'icmp6-ns': eth(0x86dd, ipv6(58, icmp6(135, b'\0'*4 + D6 + bytes([1, 1]) + PEER), dst=bytes.fromhex('ff0200000000000000000001ff000002')), dst=bytes.fromhex('3333ff000002')),
 'arp-request': eth(0x0806, arp, dst=b'\xff'*6),
 'tcp4': eth(0x0800, ipv4(6, struct.pack('!HHIIBBHHH', 40000, 9000, 1, 0, 0x50, 2, 512, 0, 0))),
 'runt': OUR + PEER[:3],
 'empty': b'',
}
os.makedirs(f'{root}/frame', exist_ok=True)
for k, v in frames.items(): open(f'{root}/frame/{k}', 'wb').write(v)

def npy(header, data=b'', major=1):
    h = header
    pre = 10 if major == 1 else 12
    pad = (64 - (pre + len(h) + 1) % 64) % 64
    h = h + ' ' * pad + '\n'
    lenb = struct.pack('<H', len(h)) if major == 1 else struct.pack('<I', len(h))
    return b'\x93NUMPY' + bytes([major, 0]) + lenb + h.encode() + data
vals = struct.pack('<6f', 1, 2, 3, 4, 5, 6)
os.makedirs(f'{root}/matrix', exist_ok=True)
mats = {
 'npy-2x3': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", vals),
 'npy-v2-2x3': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", vals, major=2),
 'npy-fortran': npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", vals),
 'npy-f8': npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }", b'\0'*24),
 'npy-1d': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", vals),
 'npy-truncated': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }", vals),
 'npy-huge': npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4000000000, 4000000000), }", vals),
 'fvecs-2x3': struct.pack('<i3f', 3, 1, 2, 3) + struct.pack('<i3f', 3, 4, 5, 6),
 'fvecs-ragged': struct.pack('<i3f', 3, 1, 2, 3) + struct.pack('<i2f', 2, 4, 5),
 'empty': b'',
}
for k, v in mats.items(): open(f'{root}/matrix/{k}', 'wb').write(v)

os.makedirs(f'{root}/config', exist_ok=True)
cfgs = {
 'minimal': b'{}',
 'forward': b'{ "app": "forward", "mode": "macswap", "burst": 64, "duration": 5, "stats-interval": 1, "eal": ["-l", "0,1", "--vdev", "net_null0"] }',
 'service': b'{ "app": "reflect", "backend": "socket", "listen": "127.0.0.1:9000", "workers": 2 }\0burst=32\nstats-interval=0.5\n',
 'port-map': b'{ "app": "forward", "port-map": "0:1,1:0", "peer-macs": "0=02:00:00:00:00:10" }\0topology=paired\n',
 'consensus': b'{ "app": "consensus", "backend": "io-uring", "listen": "[::1]:9100" }\0mode=bogus\n',
 'bad-json': b'{ "app": "forward", ',
 'unknown-key': b'{ "apps": "forward" }',
 'nested': b'{ "burst": { "x": 1 } }',
 'out-of-range': b'{ "burst": 0 }\0burst=100000\n',
 'options-only': b'{}\0app=similarity\nmatrix=/nonexistent.npy\nk-max=5\n',
}
for k, v in cfgs.items(): open(f'{root}/config/{k}', 'wb').write(v)

# service: byte 0 = sender (bits 0..1 source, bit 2 IPv6), then the UDP payload. The requests of
# docs/PROTOCOL.md's worked examples, and variants that reach each service's refusals.
import re
doc = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../docs/PROTOCOL.md')).read()
reqs = {}
for name, body in re.findall(r'<!-- vector (\S+) request[^>]*-->\s*```text\n(.*?)```', doc, re.S):
    reqs[name] = bytes.fromhex(''.join(l[6:] for l in body.strip().splitlines()))
def with_(m, off, fmt, v):
    m = bytearray(m); struct.pack_into(fmt, m, off, v); return bytes(m)
svc = {}
for name, m in reqs.items():
    svc[name] = b'\0' + m
    svc[name + '-v6'] = b'\x05' + m
c = reqs['contribute']
svc['contribute-target-1'] = b'\x01' + with_(with_(c, 33, '<B', 1), 32, '<B', 0)
svc['contribute-epoch-stale'] = b'\x02' + with_(c, 8, '<I', 0x12345678)
q = reqs['query']
svc['query-k-3-amplifies'] = b'\x01' + with_(q, 52, '<H', 3)
svc['query-wrong-dimension'] = b'\x02' + with_(q, 36, '<I', 3)[:-4]
p = reqs['project']
svc['project-d4-wider'] = b'\x03' + with_(p, 36, '<I', 4) + struct.pack('<f', 0.5)
svc['unknown-operation'] = b'\0' + with_(c, 3, '<B', 0x09)
svc['answer-not-request'] = b'\0' + with_(c, 3, '<B', 0x81)
svc['short'] = b'\0' + c[:40]
os.makedirs(f'{root}/service', exist_ok=True)
for k, v in svc.items(): open(f'{root}/service/{k}', 'wb').write(v)
print('seeded', len(frames), len(mats), len(cfgs), len(svc))
