#!/usr/bin/env python3
"""Usage: png_colours.py FILE. Prints "yes" when the 8-bit PNG FILE has more
than one colour (a chart was drawn, not a blank page), else "no: N colours".
Standard library only: the rows are inflated and unfiltered here."""
import struct
import sys
import zlib


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def rows(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('no: not a PNG')
    pos, idat = 8, b''
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            width, _, depth, ctype = struct.unpack('>IIBB', body[:10])
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    if depth != 8:
        raise SystemExit('no: bit depth %d' % depth)
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride, prev = zlib.decompress(idat), width * bpp, bytearray(width * bpp)
    for at in range(0, len(raw), stride + 1):
        kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            c = prev[i - bpp] if i >= bpp else 0
            pred = (0, a, prev[i], (a + prev[i]) // 2, paeth(a, prev[i], c))[kind]
            line[i] = (line[i] + pred) & 0xff
        yield bytes(line), bpp
        prev = line


colours = set()
for line, bpp in rows(sys.argv[1]):
    colours.update(line[i:i + bpp] for i in range(0, len(line), bpp))
    if len(colours) > 1:
        break
print('yes' if len(colours) > 1 else 'no: %d colours' % len(colours))
