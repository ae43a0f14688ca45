#!/usr/bin/python3
# Usage: scripts/similarity-query.py PORT MATRIX.npy   (asks 127.0.0.1:PORT for the 5 rows nearest row 42 + 0.01)
# A QUERY by hand (docs/PROTOCOL.md): 64-byte header, then D little-endian floats.
import socket, struct, sys, numpy as np
D, k = 128, 5
q = np.load(sys.argv[2])[42] + np.float32(0.01)         # near row 42
hdr = struct.pack("<HBBBBHIIQQBBBBIIHHfHHQ", 0x5853, 1, 0x02, 0, 0, 0, 0, 7, 9, 0x1122334455667788,
                  0, 0, 0, 0, D, 0, 0, 0, 0.0, k, 0, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5)
s.sendto(hdr + q.astype("<f4").tobytes(), ("127.0.0.1", int(sys.argv[1])))
a = s.recv(65536)
op, status, items, version = a[3], a[5], struct.unpack_from("<H", a, 54)[0], struct.unpack_from("<Q", a, 56)[0]
print(f"MATCHES op=0x{op:02x} status={status} items={items} matrix version={version}")
for i in range(items):
    row, score = struct.unpack_from("<If", a, 64 + 8 * i)
    print(f"  row {row:6d}  cosine {score:.6f}")
