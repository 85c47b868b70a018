#!/usr/bin/python3
"""Writes tests/data/randn_expected.bin for tests/test_numpy_random.c.

Expected values come from numpy's legacy np.random.RandomState. Layout, all
little-endian, one block per check:
  b"SG3RND01"
  u32 block count, then per block:
    u32 kind   0 = randn(1, n), 1 = random_sample(n),
               2 = randint(0, 2**32, n, dtype=uint32),
               3 = mixed: randn(5), random_sample(3), randn(4), randn(1)
    u32 seed, u32 n (number of values), n values (f64, or u32 for kind 2)
Usage: gen_random_reference.py OUTPUT
"""
import struct
import sys

import numpy as np

SEEDS = [0, 1, 3, 42, 123456789, 2**31, 2**32 - 1]


def main():
    blocks = []
    for seed in SEEDS:
        for n in (64, 512):
            z = np.random.RandomState(seed).randn(1, n)
            blocks.append((0, seed, z.astype('<f8').ravel().tobytes(), n))
    for seed in (0, 42, 2**32 - 1):
        v = np.random.RandomState(seed).random_sample(100)
        blocks.append((1, seed, v.astype('<f8').tobytes(), 100))
        u = np.random.RandomState(seed).randint(0, 2**32, 1000, dtype=np.uint32)
        blocks.append((2, seed, u.astype('<u4').tobytes(), 1000))
    for seed in (7, 2**31 + 5):
        rs = np.random.RandomState(seed)
        parts = [rs.randn(5), rs.random_sample(3), rs.randn(4), rs.randn(1)]
        v = np.concatenate(parts)
        blocks.append((3, seed, v.astype('<f8').tobytes(), len(v)))
    with open(sys.argv[1], 'wb') as f:
        f.write(b'SG3RND01')
        f.write(struct.pack('<I', len(blocks)))
        for kind, seed, data, n in blocks:
            f.write(struct.pack('<III', kind, seed, n))
            f.write(data)


if __name__ == '__main__':
    main()
