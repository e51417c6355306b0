#!/usr/bin/env python3
# SPDX-License-Identifier: (MIT OR Apache-2.0)
"""Write the hand-made seeds of corpus-io/ and corpus-props/.

The byte layouts follow the decoders in fuzz-io.c/io-issue.c/io-reap.c
and fuzz-props.c/props-ops.c/props-regions.c; rerun this after changing
them (fuzzer-found seeds merged by run-long.sh stay as they are).
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- fuzz-io ---------------------------------------------------------------
READ, WRITE, READV, WRITEV, WZ, DISCARD, FLUSH, ZONE = 0, 4, 7, 9, 11, 12, 13, 14
SUBMIT, HARVEST, WAIT, FDWAIT, BADARGS, INTR = 15, 18, 20, 23, 25, 26
TOGGLE, ADDQ, REMOVEQ, CAPACITY, CHECKPOINT = 27, 28, 29, 30, 31


def u8(v): return struct.pack('<B', v & 0xff)
def u16(v): return struct.pack('<H', v & 0xffff)
def u32(v): return struct.pack('<I', v & 0xffffffff)


def config(direct=False, readonly=False, fd_prop=False, region=False,
           fd_disabled=False, entries=9, queues=0, size_4k=8, seed=1):
    """entries/queues are indices into the tables of decode_config()."""
    mode = (1 if direct else 0) | (0 if readonly else 2)
    mode |= (0x10 if fd_prop else 0) | (0x20 if region else 0)
    mode |= 0x40 if fd_disabled else 0
    return u8(mode) + u8(entries) + u8(queues) + u16(size_4k << 2 | 3) + u8(seed)


def start(cls, v): return u8(cls) + u32(v)
def length(cls, v): return u8(cls) + u16(v)
def flags(cls=0, v=0): return u8(cls) + u32(v)


def rw(op, q=0, seed=0, shape=1, st=(0, 0), ln=(1, 7), fl=(0, 0)):
    """Aligned by default: start class 0, length (1 + 7) * 512."""
    return u8(op) + u8(q) + u8(seed) + u8(shape) + start(*st) + length(*ln) + flags(*fl)


def vec(op, q=0, seed=0, st=(0, 0), ln=(1, 15), vcls=5, parts=3, cuts=(700, 2100),
        gaps=(1, 0, 2)):
    b = u8(op) + u8(q) + u8(seed) + u8(1) + start(*st) + length(*ln) + flags()
    b += u8(vcls) + u8(parts - 2)
    for c in cuts:
        b += u16(c)
    for g in gaps:
        b += u8(g)
    return b


def alloc(op, q=0, st=(0, 0), ln=(1, 7), fl=(0, 0)):
    return u8(op) + u8(q) + u8(0) + u8(1) + start(*st) + length(*ln) + flags(*fl)


def flush(q=0, fl=(0, 0)): return u8(FLUSH) + u8(q) + u8(0) + u8(1) + flags(*fl)


def zone(which, q=0, fl=(0, 0)):
    return u8(ZONE) + u8(q) + u8(0) + u8(1) + start(0, 0) + flags(*fl) + u8(which) + u8(2)


def wait(q=0, mn=1, mx=4, tcls=1): return u8(WAIT) + u8(q) + u8(mn) + u8(mx) + u8(tcls)
def fdwait(q=0, mx=2, bounce=0): return u8(FDWAIT) + u8(q) + u8(mx) + u8(bounce)


IO_SEEDS = {
    'write-read-verify': config() + rw(WRITE, seed=5) + rw(READ) + wait(mx=2) +
    u8(CHECKPOINT),
    'vectored': config() + vec(WRITEV, seed=9) + vec(READV, cuts=(512, 3000)) +
    wait(mn=2, mx=2),
    'misaligned-buffered': config(size_4k=3) +
    rw(WRITE, shape=0x14, st=(4, 1234), ln=(4, 3333)) +
    rw(READ, shape=0x20, st=(4, 1000), ln=(5, 555)) + wait(mn=2, mx=8, tcls=0),
    'direct': config(direct=True, queues=3) +
    rw(WRITE, st=(3, 2), ln=(6, 1)) + rw(READ, q=1, st=(3, 2), ln=(6, 1)) +
    rw(READ, shape=0x10, st=(4, 77), ln=(5, 99)) + fdwait(q=0) + fdwait(q=1) +
    u8(CHECKPOINT),
    'read-only': config(readonly=True) + rw(WRITE) + alloc(WZ) + alloc(DISCARD) +
    flush() + rw(READ) + wait(mn=5, mx=5),
    'past-eof': config(size_4k=1) + rw(READ, st=(5, 100), ln=(1, 15)) +
    rw(WRITE, st=(6, 10), ln=(4, 999)) + rw(READ, st=(7, 3), ln=(6, 0)) +
    wait(mn=3, mx=3) + u8(CAPACITY) + u8(0),
    'huge-offsets': config() + rw(READ, st=(8, 3)) + rw(WRITE, st=(8, 2)) +
    rw(READ, st=(8, 1 << 8)) + rw(WRITE, st=(8, 3 << 8), ln=(8, 0)) +
    alloc(DISCARD, st=(8, 0), ln=(8, 7)) + wait(mn=5, mx=5),
    'invalid-flags-len': config(entries=0) +
    rw(READ, fl=(7, 0x100)) + rw(WRITE, fl=(6, 1)) + rw(WRITE, fl=(6, 2)) +
    flush(fl=(6, 0)) + rw(READ, ln=(7, 5)) + vec(READV, vcls=11, parts=2, cuts=(), gaps=()) +
    alloc(WZ, fl=(5, 7)) + zone(0) + zone(5, fl=(7, 8)) + wait(mn=9, mx=12),
    'tiny-ring-backlog': config(entries=0, queues=0) +
    b''.join(rw(READ, seed=i, st=(0, i)) for i in range(2)) + u8(SUBMIT) + u8(0) +
    rw(READ, ln=(7, 1)) + wait(mn=3, mx=8, tcls=0) +
    b''.join(rw(WRITE, seed=i, st=(0, i * 3)) for i in range(6)) + wait(mn=6, mx=6, tcls=0),
    'fd-toggle': config(fd_disabled=True, queues=3) + rw(WRITE, q=0) + rw(READ, q=1) +
    u8(SUBMIT) + u8(0) + fdwait(q=0, bounce=1) + u8(TOGGLE) + u8(1) + u8(0) +
    fdwait(q=1, mx=1),
    'queues-add-remove': config(queues=7) + u8(ADDQ) + u8(0) + u8(ADDQ) + u8(0) +
    rw(WRITE, q=1) + u8(REMOVEQ) + u8(0) + u8(1) + wait(q=0, mx=1) + u8(REMOVEQ) + u8(0) + u8(1) +
    u8(ADDQ) + u8(0) + rw(READ, q=0) + fdwait(q=0),
    'bad-do-io-args': config() + rw(READ) + b''.join(u8(BADARGS) + u8(0) + u8(s) + u8(3)
                                                      for s in range(7)) +
    wait(mn=2, mx=1) + u8(INTR) + u8(0) + u8(0) + u8(1) + u8(4) + u8(1),
    'region-fd-prop': config(fd_prop=True, region=True) + rw(WRITE) + vec(READV) +
    alloc(WZ, fl=(5, 2)) + alloc(WZ) + alloc(DISCARD) + flush() + wait(mn=6, mx=6) +
    rw(READ) + fdwait(),
    'overlap-race': config(queues=4) + rw(WRITE, q=0, seed=1) + rw(WRITE, q=1, seed=2) +
    rw(READ, q=2) + alloc(WZ, q=0) + rw(READ, q=1) + u8(CHECKPOINT),
}

# ---- fuzz-props --------------------------------------------------------------
# opcode bits: 7 = instance, low 4 bits: 0 create, 1 destroy, 2 connect,
# 3 start, 4-8 property, 9-10 queue, 12-15 memory region.
PROP_IDX = {n: i for i, n in enumerate([
    'buf-alignment', 'can-add-queues', 'can-grow', 'capacity', 'direct',
    'discard-alignment', 'discard-alignment-offset', 'driver', 'fd',
    'flush-needed', 'max-discard-len', 'max-mem-regions', 'max-queues',
    'max-segment-len', 'max-segments', 'max-transfer', 'max-write-zeroes-len',
    'may-pin-mem-regions', 'mem-region-alignment', 'needs-mem-region-fd',
    'needs-mem-regions', 'num-entries', 'num-poll-queues', 'num-queues',
    'optimal-buf-alignment', 'optimal-io-alignment', 'optimal-io-size', 'path',
    'read-only', 'request-alignment', 'supports-fua-natively',
    'supports-poll-queues'])}
BOOL, INT, U64, STR = 0, 1, 2, 3


def create(drv=0, inst=0): return u8(inst << 7 | 0) + u8(drv)
def destroy(inst=0): return u8(inst << 7 | 1)
def connect(inst=0): return u8(inst << 7 | 2)
def pstart(inst=0): return u8(inst << 7 | 3)
def name(n): return u8(0) + u8(PROP_IDX[n])


def get(t, n, inst=0): return u8(inst << 7 | 4) + u8(0) + u8(t) + name(n)


def set_path_file(inst=0):
    # set, type str, name "path", text class 2 (template), value 0, path: file
    return u8(inst << 7 | 4) + u8(1) + u8(STR) + name('path') + u8(2) + u8(0) + u8(0)


def set_int(n, table_idx, inst=0):
    return u8(inst << 7 | 4) + u8(1) + u8(INT) + name(n) + u8(0) + u8(table_idx)


def set_bool(n, v, inst=0):
    return u8(inst << 7 | 4) + u8(1) + u8(BOOL) + name(n) + u8(v)


def set_str(n, template_idx, inst=0):
    return u8(inst << 7 | 4) + u8(1) + u8(STR) + name(n) + u8(2) + u8(template_idx)


def set_raw_name(t, raw, inst=0):
    return u8(inst << 7 | 4) + u8(1) + u8(t) + u8(5) + u8(0) + u8(len(raw)) + raw


def queue(sel, idx, inst=0): return u8(inst << 7 | 9) + u8(sel) + u8(idx + 2)
def region(sel, *args, inst=0): return u8(inst << 7 | 12) + u8(sel) + b''.join(u8(a) for a in args)


PROPS_SEEDS = {
    'lifecycle': create() + set_path_file() + connect() + get(INT, 'request-alignment') +
    set_int('num-queues', 3) + pstart() + queue(0, 0) + queue(2, 0) + queue(6, 1) +
    queue(4, 0) + queue(7, 0) + connect() + pstart() + destroy(),
    'precedence': create() + get(U64, 'capacity') + set_int('num-entries', 1) +
    set_str('capacity', 12) + set_str('driver', 0) + set_bool('path', 1) +
    set_raw_name(STR, b'num_entries') + set_raw_name(INT, b'\xff\xfe') +
    set_str('fd', 7) + set_str('fd', 18) + get(STR, 'fd') + destroy(),
    'connected-state': create() + set_path_file() + set_bool('direct', 1) + connect() +
    set_int('num-entries', 0) + set_int('num-entries', 11) + set_int('num-queues', 2) +
    set_bool('direct', 0) + get(BOOL, 'direct') + get(STR, 'capacity') + pstart() +
    set_int('num-queues', 1) + destroy(),
    'regions': create() + set_path_file() + connect() + region(0, 3) + region(1, 1) +
    pstart() + region(2, 0, 0) + region(2, 0, 0) + region(3, 1 | 8, 0) + region(2, 2, 0) +
    region(4, 0) + region(5, 0) + region(5, 2) + destroy(),
    'two-instances': create() + create(7, inst=1) + set_path_file() + connect(inst=1) +
    connect() + pstart() + pstart(inst=1) + queue(0, 0) + destroy(inst=1) + queue(6, 0),
    'bad-drivers': create(11) + create(10) + u8(0) + create(10) + u8(3) + b'\xff\x01\x02' +
    create(6) + connect() + create(8) + connect() + destroy() + destroy(),
}


def write(dirname, seeds):
    path = os.path.join(HERE, dirname)
    os.makedirs(path, exist_ok=True)
    for seed_name, data in seeds.items():
        with open(os.path.join(path, 'seed-' + seed_name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    write('corpus-io', IO_SEEDS)
    write('corpus-props', PROPS_SEEDS)
    sys.exit(0)
