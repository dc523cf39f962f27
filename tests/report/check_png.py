#!/usr/bin/env python3
"""Checks a screenshot of an alphatensor report (standard library only).

usage: check_png.py PNG CHARTS
Exit 0 when the picture is not blank and at least CHARTS plot areas (the report's plot background
colour) each hold drawn pixels (lines, markers) besides the background, grid and frame colours.
"""
import struct
import sys
import zlib

PLOT_BG = (244, 246, 249)      # report/chart.cpp: the plot rectangle's fill
PLAIN = {(255, 255, 255), PLOT_BG, (221, 225, 231), (138, 144, 153)}  # white, plot, grid, frame


def decode(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        sys.exit(f'{path}: not a PNG')
    pos, idat, head = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            head = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = head
    if depth != 8 or colour not in (2, 6) or interlace:
        sys.exit(f'{path}: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})')
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b''.join(idat))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, bpp, rows


def main():
    path, expected = sys.argv[1], int(sys.argv[2])
    width, height, bpp, rows = decode(path)
    pixel = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
    step = 4  # cells of 4x4 pixels: a data line never cuts a plot area in two
    cw, ch = width // step, height // step
    non_white = sum(1 for y in range(0, height, 2) for x in range(0, width, 2) if pixel(x, y) != (255, 255, 255))
    share = non_white / ((height // 2) * (width // 2))
    print(f'{path}: {width}x{height}, {share:.1%} non-white')
    if share < 0.02:
        sys.exit('blank page')
    bg = [[any(pixel(cx * step + dx, cy * step + dy) == PLOT_BG for dy in (0, 2) for dx in (0, 2))
           for cx in range(cw)] for cy in range(ch)]
    seen, plots = [[False] * cw for _ in range(ch)], []
    for cy in range(ch):
        for cx in range(cw):
            if not bg[cy][cx] or seen[cy][cx]:
                continue
            stack, box, cells = [(cx, cy)], [cx, cy, cx, cy], 0
            seen[cy][cx] = True
            while stack:
                x, y = stack.pop()
                cells += 1
                box = [min(box[0], x), min(box[1], y), max(box[2], x), max(box[3], y)]
                for nx, ny in ((x + 1, y), (x - 1, y), (x, y + 1), (x, y - 1)):
                    if 0 <= nx < cw and 0 <= ny < ch and bg[ny][nx] and not seen[ny][nx]:
                        seen[ny][nx] = True
                        stack.append((nx, ny))
            if cells >= 500:  # a plot area (about 140x57 cells), not a stray pixel
                plots.append(box)
    drawn_ok = 0
    for x0, y0, x1, y1 in plots:
        drawn = sum(1 for y in range(y0 * step + 2, y1 * step + 2) for x in range(x0 * step + 2, x1 * step + 2)
                    if pixel(x, y) not in PLAIN)
        print(f'plot at ({x0 * step},{y0 * step})-({x1 * step + step},{y1 * step + step}): {drawn} drawn pixels')
        drawn_ok += drawn >= 100
    print(f'{len(plots)} plot areas, {drawn_ok} with drawings; expected {expected}')
    if drawn_ok < expected:
        sys.exit('charts missing or empty')


main()
