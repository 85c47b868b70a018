#!/usr/bin/python3
"""Writes tests/data/filter_design_expected.bin for tests/test_filter_design.c.

Expected filters are designed with numpy/scipy the way StyleGAN3's
SynthesisLayer.design_lowpass_filter does it (scipy.signal.firwin with a
Kaiser window, or the radial jinc filter), for the layer schedule of
SynthesisNetwork with default hyperparameters, configs T and R. The schedule
is re-derived here from the paper's formulas; the official source tree is not
needed. A few extra designs (odd numtaps, large arguments) exercise the code
paths the schedule does not reach, and the filters stored in the reference
models are copied in when the files are present (run from the repo with
/work/shared available), after checking that scipy reproduces them.

Layout (little-endian):
  b"SG3FLT01"
  u32 filter count, then per filter:
    u32 radial, u32 numtaps, u32 source (0 schedule, 1 extra, 2 stored model),
    u32 label length, label bytes (ASCII, no NUL),
    f64 cutoff, f64 width, f64 fs,
    f32 taps[numtaps] (separable) or [numtaps * numtaps] (radial, row-major)
  u32 Bessel sample count, then per sample:
    u32 function (0 = scipy.special.i0, 1 = scipy.special.j1), f64 x, f64 y
Usage: gen_filter_reference.py OUTPUT [SAFETENSORS...]
"""
import json
import struct
import sys

import numpy as np
import scipy.signal
import scipy.special


def design(numtaps, cutoff, width, fs, radial):
    if not radial:
        return scipy.signal.firwin(numtaps=numtaps, cutoff=cutoff, width=width,
                                   fs=fs).astype(np.float32)
    x = (np.arange(numtaps) - (numtaps - 1) / 2) / fs
    r = np.hypot(*np.meshgrid(x, x))
    with np.errstate(invalid='ignore', divide='ignore'):
        f = scipy.special.j1(2 * cutoff * (np.pi * r)) / (np.pi * r)
    # Odd numtaps: numpy gives 0/0 at the centre; the limit is `cutoff`.
    f[r == 0] = cutoff
    beta = scipy.signal.kaiser_beta(
        scipy.signal.kaiser_atten(numtaps, width / (fs / 2)))
    w = np.kaiser(numtaps, beta)
    f *= np.outer(w, w)
    f /= np.sum(f)
    return f.astype(np.float32)


def schedule(img_resolution, radial, num_layers=14, num_critical=2,
             first_cutoff=2, first_stopband=2**2.1, last_stopband_rel=2**0.3,
             filter_size=6, lrelu_upsampling=2):
    """Yields (layer index, 'up'/'down', numtaps, cutoff, width, fs, radial)
    for every filter with more than one tap, in SynthesisNetwork order."""
    last_cutoff = img_resolution / 2
    last_stopband = last_cutoff * last_stopband_rel
    exponents = np.minimum(
        np.arange(num_layers + 1) / (num_layers - num_critical), 1)
    cutoffs = first_cutoff * (last_cutoff / first_cutoff)**exponents
    stopbands = first_stopband * (last_stopband / first_stopband)**exponents
    rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2,
                                               img_resolution))))
    half_widths = np.maximum(stopbands, rates / 2) - cutoffs
    for idx in range(num_layers + 1):
        prev = max(idx - 1, 0)
        torgb = idx == num_layers
        critical = idx >= num_layers - num_critical
        in_rate, out_rate = int(rates[prev]), int(rates[idx])
        tmp_rate = max(in_rate, out_rate) * (1 if torgb else lrelu_upsampling)
        up = int(np.rint(tmp_rate / in_rate))
        down = int(np.rint(tmp_rate / out_rate))
        if up > 1 and not torgb:
            yield (idx, 'up', filter_size * up, cutoffs[prev],
                   half_widths[prev] * 2, tmp_rate, False)
        if down > 1 and not torgb:
            yield (idx, 'down', filter_size * down, cutoffs[idx],
                   half_widths[idx] * 2, tmp_rate, radial and not critical)


# (numtaps, cutoff, width, fs): odd and small numtaps, every kaiser_beta
# branch, and radial arguments beyond the J1 power-series range.
EXTRA = [
    (2, 0.25, 0.2, 1.0),
    (3, 0.3, 0.3, 1.0),
    (5, 1.0, 1.5, 8.0),
    (7, 3.0, 2.0, 16.0),
    (9, 0.1, 0.05, 1.0),
    (11, 5.0, 3.0, 32.0),
    (13, 4.0, 4.0, 32.0),
    (13, 0.2, 0.1, 1.0),
    (25, 10.0, 4.0, 64.0),
    (31, 0.45, 0.05, 1.0),
    (40, 0.4, 0.1, 1.0),
    (48, 0.3, 0.05, 1.0),
    (61, 20.0, 2.0, 64.0),
    (96, 0.2, 0.05, 1.0),  # radial: 9216 taps, np.sum works in 8192 chunks
]
# Long separable filters only (pairwise summation beyond 128 elements).
EXTRA_FIRWIN = [
    (130, 0.1, 0.02, 1.0),
    (257, 12.0, 1.0, 256.0),
]


def bessel_samples():
    xs_i0 = np.concatenate([
        [0.0, 5e-324, 1e-300, 1e-20, 1e-10, 1e-5, 7.999999999, 8.0, 8.000001,
         49.99, 50.0, 50.01, 100.0, 300.0, 700.0],
        np.arange(0, 60, 0.137), -np.arange(0.5, 20, 1.7)])
    xs_j1 = np.concatenate([
        [0.0, 5e-324, 1e-300, 1e-20, 1e-10, 1e-5, 4.999999, 5.0, 5.000001,
         24.999999, 25.0, 25.000001, 3.8317059702075125, 7.015586669815619,
         10.173468135062722, 100.0],
        np.arange(0, 80, 0.0731), -np.arange(0.3, 30, 2.3)])
    out = [(0, x, scipy.special.i0(x)) for x in xs_i0]
    out += [(1, x, scipy.special.j1(x)) for x in xs_j1]
    return out


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        base = 8 + n
        meta = header.pop('__metadata__', {})
        tensors = {}
        for name, info in header.items():
            if not name.endswith('_filter'):
                continue
            assert info['dtype'] == 'F32'
            a, b = info['data_offsets']
            f.seek(base + a)
            tensors[name] = np.frombuffer(f.read(b - a), '<f4').reshape(
                info['shape'])
    return meta, tensors


def main():
    records = []  # (radial, numtaps, source, label, cutoff, width, fs, taps)
    for res in (16, 32, 64, 128, 256, 512, 1024):
        for cfg in ('t', 'r'):
            for idx, kind, n, c, w, fs, rad in schedule(res, cfg == 'r'):
                taps = design(n, c, w, fs, rad)
                label = f'sg3{cfg}-{res} L{idx} {kind}'
                records.append((rad, n, 0, label, c, w, fs, taps))
    for n, c, w, fs in EXTRA:
        for rad in (False, True):
            label = f'extra n={n} c={c} w={w} fs={fs}'
            records.append((rad, n, 1, label, c, w, fs,
                            design(n, c, w, fs, rad)))
    for n, c, w, fs in EXTRA_FIRWIN:
        label = f'extra n={n} c={c} w={w} fs={fs}'
        records.append((False, n, 1, label, c, w, fs,
                        design(n, c, w, fs, False)))

    for path in sys.argv[2:]:
        meta, stored = read_safetensors(path)
        kw = json.loads(meta['init_kwargs'])
        radial = bool(kw.get('use_radial_filters', False))
        params = {(idx, kind): (n, c, w, fs, rad) for idx, kind, n, c, w, fs,
                  rad in schedule(kw['img_resolution'], radial)}
        name = path.rsplit('/', 1)[-1]
        for key, taps in sorted(stored.items()):
            layer = key.split('.')[1]
            idx = int(layer.split('_')[0][1:])
            kind = 'up' if key.endswith('up_filter') else 'down'
            n, c, w, fs, rad = params[(idx, kind)]
            mine = design(n, c, w, fs, rad)
            assert mine.shape == taps.shape, key
            assert mine.tobytes() == taps.tobytes(), f'{name} {key} differs'
            records.append((rad, n, 2, f'{name} {key}', c, w, fs, taps))
        print(f'{name}: {len(stored)} stored filters reproduced by scipy')

    bessel = bessel_samples()
    with open(sys.argv[1], 'wb') as f:
        f.write(b'SG3FLT01')
        f.write(struct.pack('<I', len(records)))
        for rad, n, source, label, c, w, fs, taps in records:
            lab = label.encode('ascii')
            f.write(struct.pack('<IIII', int(rad), n, source, len(lab)))
            f.write(lab)
            f.write(struct.pack('<ddd', float(c), float(w), float(fs)))
            f.write(np.ascontiguousarray(taps, '<f4').tobytes())
        f.write(struct.pack('<I', len(bessel)))
        for func, x, y in bessel:
            f.write(struct.pack('<Idd', func, float(x), float(y)))
    print(f'{len(records)} filters, {len(bessel)} Bessel samples')


if __name__ == '__main__':
    main()
