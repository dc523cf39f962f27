#!/usr/bin/env python3
"""Proves that each CPU path of a binary runs only its own instructions (core/isa.hpp).

Disassembles the binary, starts from every function of a path (names containing isa_<path>),
follows direct calls and jumps to the functions they reach, and fails if the baseline path reaches
an AVX instruction (VEX/EVEX: a v-mnemonic, ymm/zmm or mask registers) or the AVX2 path an AVX-512
one (zmm or mask registers). Merged Eigen copies (the ODR trap) show up here as a baseline
function reaching the AVX-512 copy of a template. As a control, the AVX-512 path must reach zmm.
The bf16 inference kernel (isa_avx512bf16, nn/cpu_bf16.hpp) must run vdpbf16ps, and no path reach it.
Usage: check_isolation.py BINARY
"""
import re
import subprocess
import sys

HEADER = re.compile(r'^([0-9a-f]+) <(.*)>:$')
INSN = re.compile(r'^\s*([0-9a-f]+):\s*(\S+)\s*(.*)$')
TARGET = re.compile(r'^([0-9a-f]+) <')
AVX512 = re.compile(r'%zmm|%k[0-7]\b|\{%k')


def functions(binary):
    """start address -> (name, [(mnemonic, operands)]) for every symbol of .text."""
    out = subprocess.run(['objdump', '-d', '-C', '--no-show-raw-insn', '-j', '.text', binary],
                         check=True, capture_output=True, text=True).stdout
    funcs, current = {}, None
    for line in out.splitlines():
        m = HEADER.match(line)
        if m:
            current = int(m.group(1), 16)
            funcs[current] = (m.group(2), [])
            continue
        m = INSN.match(line)
        if m and current is not None:
            funcs[current][1].append((m.group(2), m.group(3)))
    return funcs


def is_avx(mnemonic, operands):
    return (mnemonic.startswith('v') and mnemonic not in ('verr', 'verw')) or '%ymm' in operands or \
        AVX512.search(operands) is not None


def reached(funcs, seeds):
    starts = set(funcs)
    seen, todo = set(), list(seeds)
    while todo:
        f = todo.pop()
        if f in seen:
            continue
        seen.add(f)
        for mnemonic, operands in funcs[f][1]:
            if mnemonic.startswith('call') or mnemonic.startswith('j'):
                m = TARGET.match(operands)
                if m and int(m.group(1), 16) in starts:
                    todo.append(int(m.group(1), 16))
    return seen


def main():
    funcs = functions(sys.argv[1])
    failed = False
    for path, bad in (('sse2', is_avx), ('avx2', lambda m, o: AVX512.search(o) is not None),
                      ('avx512', None)):
        seeds = [a for a, (name, _) in funcs.items() if f'isa_{path}::' in name]
        if not seeds:
            print(f'{path}: no functions of this path in the binary')
            failed = True
            continue
        visited = reached(funcs, seeds)
        if bad is None:
            has_zmm = any(AVX512.search(o) for f in visited for _, o in funcs[f][1])
            print(f'{path}: {len(seeds)} path functions, {len(visited)} reached, zmm used: {has_zmm}')
            failed |= not has_zmm
            continue
        offenders = [f for f in visited if any(bad(m, o) for m, o in funcs[f][1])]
        print(f'{path}: {len(seeds)} path functions, {len(visited)} reached, {len(offenders)} with wider instructions')
        for f in offenders[:10]:
            m, o = next((m, o) for m, o in funcs[f][1] if bad(m, o))
            print(f'  {funcs[f][0][:160]}: {m} {o}')
        failed |= bool(offenders)
    # The bf16 kernel (nn/cpu_bf16.cpp): its own object runs vdpbf16ps; no path reaches it.
    bf16 = [a for a, (name, _) in funcs.items() if 'isa_avx512bf16::' in name]
    runs = any(m.startswith('vdpbf16ps') for f in reached(funcs, bf16) for m, _ in funcs[f][1])
    print(f'avx512bf16: {len(bf16)} functions, vdpbf16ps used: {runs}')
    failed |= not runs
    for path in ('sse2', 'avx2', 'avx512'):
        seeds = [a for a, (name, _) in funcs.items() if f'isa_{path}::' in name]
        if any(m.startswith('vdpbf16ps') for f in reached(funcs, seeds) for m, _ in funcs[f][1]):
            print(f'{path}: reaches vdpbf16ps')
            failed = True
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
